// libsystemc ships a main() that calls sc_main(); cascadesim programs have their own main() and drive the
// kernel directly, but the library still needs the symbol to link.
#include <cstdio>

extern "C" int sc_main(int, char**) {
  std::fprintf(stderr, "cascadesim: sc_main is not an entry point of this program\n");
  return 1;
}
