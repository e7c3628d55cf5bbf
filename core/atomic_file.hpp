// Output files written whole or not at all: every command's result file goes through here.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cascadesim::core {

// An output that could not be written (bad folder, full disk); main() reports it as bad input, exit 2.
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An output written whole or not at all. The text goes to a temporary file created exclusively next to the target
// (a fresh random name, so no existing file or link is ever written through), every write checked; commit() flushes
// it to the disk and renames it over the target. Destroyed without commit(), it removes the temporary and leaves the
// target as it was. A target that exists and is not a regular file or a link (a folder, a device) is refused.
// Throws OutputError naming the target.
class OutputFile {
 public:
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view text);  // buffered
  void commit();
  const std::string& path() const { return path_; }

 private:
  void flush_buffer();
  [[noreturn]] void fail(const std::string& what);

  std::string path_;
  std::string temporary_;
  int fd_ = -1;
  std::string buffer_;
};

// Writes text to path through an OutputFile.
void write_file_atomically(const std::string& path, std::string_view text);

// Refuses (OutputError) an output that names one of the command's input files, through any link: writing it would
// destroy the input. option names the output in the message ("--trace"); inputs that do not exist are skipped.
void refuse_output_over_inputs(const std::string& output, const std::vector<std::string>& inputs,
                               std::string_view option);

}  // namespace cascadesim::core
