// cli/app.h — the zhisuan command line: serve, centers, center, accelerators, regions, stats capacity,
// validate.
#pragma once

namespace zhisuan::cli {

// Runs the command line; returns the process exit code (0 ok, 2 usage, 3 bad data, 4 not found, 5 io/store).
int Run(int argc, char** argv);

}  // namespace zhisuan::cli
