// Libraries opened at run time (cuBLAS for the micro-benchmarks, NCCL for the multi-device runners), so that the
// binaries link neither and run where they are missing: the first of several names that opens, and its symbols.
#pragma once

#include <dlfcn.h>

#include <initializer_list>
#include <string>
#include <type_traits>

namespace cascadesim::validation {

// The first of names (null entries skipped) that dlopen opens, with `opened` set to its name; null and `errors`
// holding every dlerror text otherwise. The library is never closed: it stays mapped until the process exits.
inline void* open_first_library(std::initializer_list<const char*> names, std::string& opened, std::string& errors) {
  for (const char* name : names) {
    if (!name) continue;
    if (void* library = dlopen(name, RTLD_NOW | RTLD_LOCAL)) {
      opened = name;
      return library;
    }
    const char* error = dlerror();
    errors += (errors.empty() ? "" : "; ") + (error ? std::string(error) : std::string(name) + ": dlopen failed");
  }
  return nullptr;
}

// Sets function to symbol's address; a missing symbol appends its name to `missing` when required.
template <typename Function>
void resolve_symbol(void* library, const char* symbol, Function& function, bool required, std::string& missing) {
  dlerror();
  if (void* address = dlsym(library, symbol)) {
    function = reinterpret_cast<Function>(address);
  } else if (required) {
    const char* error = dlerror();
    missing += (missing.empty() ? "" : "; ") + (error ? std::string(error) : std::string(symbol) + ": not found");
  }
}

}  // namespace cascadesim::validation
