// dispatch/job_files.h — reading files a job could have tampered with (its output in a directory its user
// owns): never through a symbolic link, only regular files, never more than asked.
#pragma once

#include <filesystem>
#include <string>

namespace zhisuan::dispatch {

// The last `max_bytes` of a regular file with one link; a symbolic link, a hard link to another file, a FIFO
// or anything else reads as empty.
std::string Tail(const std::filesystem::path& path, size_t max_bytes);

}  // namespace zhisuan::dispatch
