// dispatch/slurm_text.h — reading what Slurm's commands and files say (internal to the Slurm backend).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "dispatch/process.h"
#include "util/error.h"

namespace zhisuan::dispatch::slurm {

// "KEY=value" from scontrol's or jobcomp's "A=b C=d" text; empty when absent.
std::string Field(const std::string& text, const std::string& key);

// A command's output, or its failure with what it said.
Result<std::string> Checked(const std::vector<std::string>& argv, const CommandResult& r);

// Whether sbatch's error output says the cluster cannot take a job now but may later (MaxJobCount reached,
// the controller busy).
bool Refused(const std::string& err);

// The first line of `text`, at most 200 bytes.
std::string FirstLine(const std::string& text);

// The handles ("ARRAY_TASK") a scontrol or jobcomp record of a job array stands for: one for a task that runs
// or ran, every index of a pending range ("3-9", "1,4,7-9%2"); none for a job that is not an array. At most
// `limit` handles.
std::vector<std::string> ArrayHandles(const std::string& record, size_t limit = 100000);

// Whether `handle` is a Slurm job id ("123") or an array task ("123_4").
bool IsJobHandle(const std::string& handle);

}  // namespace zhisuan::dispatch::slurm
