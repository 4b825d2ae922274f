// The zhisuan executable: parses the command line and hands over to the cli library.
#include "cli/app.h"

int main(int argc, char** argv) { return zhisuan::cli::Run(argc, argv); }
