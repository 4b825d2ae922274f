#include "sim/trace.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "util/json.h"

namespace zhisuan::sim {
namespace {

constexpr size_t kMaxProblems = 20;

std::vector<std::string_view> SplitCsv(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      out.push_back(line.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::optional<double> ToDouble(std::string_view s) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// "YYYY-MM-DD HH:MM:SS" as seconds since the epoch (UTC; only differences matter).
std::optional<double> ParseTimestamp(std::string_view s) {
  std::tm tm{};
  if (s.size() != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    int v = 0;
    const auto [ptr, ec] = std::from_chars(s.data() + pos, s.data() + pos + len, v);
    if (ec != std::errc() || ptr != s.data() + pos + len) return std::nullopt;
    return v;
  };
  const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2), se = num(17, 2);
  if (!y || !mo || !d || !h || !mi || !se || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 ||
      *mi > 59 || *se > 60) {
    return std::nullopt;
  }
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = *h;
  tm.tm_min = *mi;
  tm.tm_sec = *se;
  return static_cast<double>(timegm(&tm));
}

Job TraceJobSpec(JobKind kind, int64_t devices, double hours, const std::string& reference,
                 double min_memory_gb, double min_fp16_tflops) {
  Job j;
  j.kind = kind;
  j.precision = Precision::kFp16;
  j.devices = devices;
  j.work.reference_hours = std::max(hours, 1.0 / 3600.0);
  j.work.reference = reference;
  j.accelerator.min_memory_gb = min_memory_gb;
  j.accelerator.min_tflops = min_fp16_tflops;
  return j;
}

enum class RowKind { kJob, kSkipped, kMalformed };

struct Row {
  RowKind kind = RowKind::kMalformed;
  double time_s = 0;      // arrival before the trace's origin is subtracted
  bool has_data = false;  // the row names its own data; no draw
  std::string problem;    // for kMalformed
};

Row Malformed(std::string problem) { return {RowKind::kMalformed, 0, false, std::move(problem)}; }

// A row's devices as a job spec bounds them (model/load_job.cc): a count from 1 to a million. Regression: a
// trace row of 2e85 GPUs was cast to int64_t (undefined behaviour; found by trace_fuzz).
constexpr double kMaxRowDevices = 1'000'000;

// What a row parser needs besides the line: the registry's reference accelerators.
struct RowContext {
  const Registry& registry;
  double p100_fp16_tflops = 0;
};

Row ParsePhillyRow(const RowContext& ctx, std::string_view line, int64_t line_no, Job& job) {
  const auto f = SplitCsv(line);
  if (f.size() != 5) return Malformed(fmt::format("expected 5 fields, got {}", f.size()));
  const auto ts = ParseTimestamp(f[0]);
  const auto duration = ToDouble(f[1]);
  const auto gpus = ToDouble(f[2]);
  if (!ts) return Malformed(fmt::format("timestamp: '{}' is not YYYY-MM-DD HH:MM:SS", f[0]));
  if (!duration || *duration < 0)
    return Malformed(fmt::format("duration: '{}' is not a non-negative number", f[1]));
  if (!gpus || *gpus < 1 || *gpus != std::floor(*gpus) || *gpus > kMaxRowDevices) {
    return Malformed(fmt::format("num_gpus: '{}' is not a positive integer up to a million", f[2]));
  }
  job = TraceJobSpec(JobKind::kTrain, static_cast<int64_t>(*gpus), *duration / 3600.0,
                     "nvidia-p100-sxm2-16gb", 16, ctx.p100_fp16_tflops);
  job.tenant = std::string(f[4]);
  job.name = fmt::format("philly-{}", line_no);
  return {RowKind::kJob, *ts, false, {}};
}

std::string MapAlibabaGpu(std::string_view spec) {
  if (spec == "P100") return "nvidia-p100-sxm2-16gb";
  if (spec == "T4") return "nvidia-t4";
  if (spec == "V100M16" || spec == "V100M32") return "nvidia-v100-sxm2-32gb";
  if (spec == "A10") return "nvidia-a10";
  return "";  // G1-G3: undisclosed types
}

Row ParseAlibabaRow(const RowContext& ctx, std::string_view line, int64_t, Job& job) {
  const auto f = SplitCsv(line);
  if (f.size() != 11) return Malformed(fmt::format("expected 11 fields, got {}", f.size()));
  // A pod still Pending was never scheduled: it has no run to replay.
  if (f[7] == "Pending" && f[10].empty()) return {RowKind::kSkipped, 0, false, {}};
  const auto gpus = ToDouble(f[3]);
  const auto created = ToDouble(f[8]);
  const auto deleted = ToDouble(f[9]);
  const auto scheduled = ToDouble(f[10]);
  if (!gpus || *gpus < 0 || *gpus != std::floor(*gpus) || *gpus > kMaxRowDevices)
    return Malformed(fmt::format("num_gpu: '{}' is not a count up to a million", f[3]));
  if (!created || !deleted || !scheduled)
    return Malformed("creation_time, deletion_time, scheduled_time must be numbers");
  if (*gpus == 0) return {RowKind::kSkipped, 0, false, {}};
  const double start = *scheduled > 0 ? *scheduled : *created;
  if (*deleted < start)
    return Malformed(fmt::format("deletion_time {} before the pod started at {}", *deleted, start));
  std::string reference = "nvidia-p100-sxm2-16gb";
  double min_memory = 1e9;
  double min_fp16 = 1e9;  // a GPU pod needs an accelerator at least as fast as its slowest allowed type
  const std::string_view spec = f[5];
  for (size_t pos = 0; !spec.empty() && pos <= spec.size();) {
    const size_t bar = spec.find('|', pos);
    const std::string mapped =
        MapAlibabaGpu(spec.substr(pos, bar == std::string_view::npos ? spec.npos : bar - pos));
    if (const Accelerator* a = mapped.empty() ? nullptr : ctx.registry.FindAccelerator(mapped)) {
      if (min_memory == 1e9) reference = mapped;
      min_memory = std::min(min_memory, a->memory_gb);
      min_fp16 = std::min(min_fp16, a->fp16_tflops.value_or(0.0));
    }
    if (bar == std::string_view::npos) break;
    pos = bar + 1;
  }
  if (min_memory == 1e9) min_memory = 16;
  if (min_fp16 == 1e9) min_fp16 = ctx.p100_fp16_tflops;
  const std::string_view qos = f[6];
  const JobKind kind = qos == "LS" ? JobKind::kInfer : qos == "BE" ? JobKind::kBatch : JobKind::kTrain;
  job = TraceJobSpec(kind, static_cast<int64_t>(*gpus), (*deleted - start) / 3600.0, reference, min_memory,
                     min_fp16);
  if (kind == JobKind::kInfer) job.latency_slo_ms = 20;
  job.name = std::string(f[0]);
  job.tenant = fmt::format("qos-{}", qos);
  return {RowKind::kJob, *created, false, {}};
}

Row ParseJsonlRow(const RowContext& ctx, std::string_view line, int64_t, Job& job) {
  const Result<nlohmann::json> parsed_row = ParseJson(line, "");
  if (!parsed_row) return Malformed(fmt::format("not a JSON object ({})", parsed_row.error().message));
  const nlohmann::json& row = *parsed_row;
  if (!row.is_object()) return Malformed("not a JSON object");
  const auto arrival = row.find("arrival_s");
  if (arrival == row.end() || !arrival->is_number() || arrival->get<double>() < 0) {
    return Malformed("arrival_s: must be a non-negative number");
  }
  const auto spec = row.find("job");
  if (spec == row.end()) return Malformed("job: is required");
  Result<Job> parsed = ParseJob(spec->dump(), ctx.registry, "job");
  if (!parsed) return Malformed(parsed.error().message);
  job = std::move(*parsed);
  return {RowKind::kJob, arrival->get<double>(), !job.data.province.empty(), {}};
}

using RowParser = Row (*)(const RowContext&, std::string_view, int64_t, Job&);

RowParser ParserFor(TraceFormat format) {
  switch (format) {
    case TraceFormat::kPhilly:
      return ParsePhillyRow;
    case TraceFormat::kAlibaba:
      return ParseAlibabaRow;
    case TraceFormat::kJsonl:
      return ParseJsonlRow;
  }
  return ParseJsonlRow;
}

// The line starting at `at` (without its newline or a trailing CR) and where the next one starts.
std::pair<std::string_view, size_t> LineAt(const char* data, size_t size, size_t at) {
  if (at >= size) return {std::string_view(), size};
  const void* nl = std::memchr(data + at, '\n', size - at);
  const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) : size;
  size_t len = end - at;
  if (len > 0 && data[at + len - 1] == '\r') --len;
  return {std::string_view(data + at, len), nl ? end + 1 : size};
}

}  // namespace

namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

double Unit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }  // [0, 1)

}  // namespace

ProvinceDraw::ProvinceDraw(const Registry& registry, uint64_t seed) : seed_(seed) {
  double sum = 0;
  for (const Region& r : registry.regions()) {
    provinces_.push_back(r.id);
    sum += r.gdp_trillion_cny > 0 ? r.gdp_trillion_cny : 1.0;
    cumulative_.push_back(sum);
  }
}

void ProvinceDraw::Apply(Job& job, uint64_t key) const {
  if (provinces_.empty()) return;
  const uint64_t a = SplitMix64(seed_ ^ SplitMix64(key));
  const uint64_t b = SplitMix64(a);
  const double at = Unit(a) * cumulative_.back();
  const size_t i =
      std::min(provinces_.size() - 1,
               static_cast<size_t>(std::ranges::upper_bound(cumulative_, at) - cumulative_.begin()));
  job.data.province = provinces_[i];
  job.user_province = provinces_[i];
  job.data.size_gb = std::pow(10.0, 3.0 * Unit(b));  // log-uniform 1 GB .. 1 TB
}

Result<TraceFormat> ParseTraceFormat(const std::string& name, const std::string& path) {
  if (name == "philly") return TraceFormat::kPhilly;
  if (name == "alibaba") return TraceFormat::kAlibaba;
  if (name == "jsonl") return TraceFormat::kJsonl;
  if (name != "auto") {
    return Fail(ErrorCode::kInvalidArgument,
                fmt::format("format: unknown trace format '{}' (philly, alibaba, jsonl, auto)", name));
  }
  if (path.ends_with(".jsonl")) return TraceFormat::kJsonl;
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kIo, fmt::format("{}: cannot read trace ({})", path, std::strerror(errno)));
  std::string header;
  std::getline(in, header);
  if (header.rfind("timestamp,duration,num_gpus", 0) == 0) return TraceFormat::kPhilly;
  if (header.rfind("name,cpu_milli,memory_mib,num_gpu", 0) == 0) return TraceFormat::kAlibaba;
  return Fail(ErrorCode::kInvalidArgument,
              fmt::format("{}: cannot tell the trace format from its name or header; give --format", path));
}

// Jobs of a TraceFile in arrival order, built as they are pulled.
class TraceStream final : public JobSource {
 public:
  TraceStream(const TraceFile& file, uint64_t seed, double load_scale,
              std::shared_ptr<const TraceFile> keep = nullptr)
      : file_(file),
        keep_(std::move(keep)),
        draw_(file.registry_, seed),
        parse_(ParserFor(file.format_)),
        ctx_{file.registry_, P100Fp16(file.registry_)},
        seed_(seed),
        load_scale_(load_scale),
        at_(file.body_),
        line_(file.body_ > 0 ? 1 : 0) {}

  bool Next(TraceJob& into) override {
    Job& job = into.job;
    while (true) {
      if (copies_left_ == 0) {
        if (!NextRow()) return false;
        copy_ = 0;
        copies_left_ = Copies(row_offset_);
        continue;
      }
      const std::string_view line = LineAt(file_.data_, file_.size_, row_offset_).first;
      const Row row = line.empty() ? Row{} : parse_(ctx_, line, row_line_, job);
      if (row.kind != RowKind::kJob) {  // counted when the file was opened
        copies_left_ = 0;
        continue;
      }
      --copies_left_;
      // The first copy draws as the unscaled trace does, so --load-scale 1 is the trace itself.
      if (!row.has_data) draw_.Apply(job, copy_ == 0 ? row_offset_ : SplitMix64(row_offset_ ^ (copy_ << 48)));
      ++copy_;
      into.arrival_s = row.time_s - file_.origin_s_;
      return true;
    }
  }
  const TraceStats& stats() const override { return file_.stats_; }

  static double P100Fp16(const Registry& registry) {
    const Accelerator* p100 = registry.FindAccelerator("nvidia-p100-sxm2-16gb");
    return p100 && p100->fp16_tflops ? *p100->fp16_tflops : 0.0;
  }

 private:
  // Moves to the next row (any kind), false at the end.
  bool NextRow() {
    if (file_.in_file_order()) {
      if (at_ >= file_.size_) return false;
      row_offset_ = at_;
      at_ = LineAt(file_.data_, file_.size_, at_).second;
      row_line_ = ++line_;
    } else {
      if (next_ == file_.order_.size()) return false;
      row_offset_ = file_.order_[next_].offset;
      row_line_ = file_.order_[next_++].line;
    }
    return true;
  }

  // How many jobs a row becomes under the load scale: its whole part, and one more with the probability of
  // its fraction, drawn from the seed and the row (so the same rows are kept or copied in every policy's
  // run).
  int64_t Copies(uint64_t offset) const {
    if (load_scale_ == 1.0) return 1;
    const double whole = std::floor(load_scale_);
    const double u = Unit(SplitMix64(seed_ ^ SplitMix64(offset ^ 0x5CA1EULL)));
    return static_cast<int64_t>(whole) + (u < load_scale_ - whole ? 1 : 0);
  }

  const TraceFile& file_;
  std::shared_ptr<const TraceFile> keep_;
  ProvinceDraw draw_;
  RowParser parse_;
  RowContext ctx_;
  uint64_t seed_;
  double load_scale_;
  size_t at_;                // file order: the next row's offset
  int64_t line_;             // file order: the line number of the row before it
  size_t next_ = 0;          // arrival order: the next index entry
  uint64_t row_offset_ = 0;  // the row being copied
  int64_t row_line_ = 0;
  int64_t copies_left_ = 0;  // copies of it still to yield
  uint64_t copy_ = 0;        // copies yielded so far
};

TraceFile::TraceFile(const Registry& registry) : registry_(registry) {}

TraceFile::~TraceFile() {
  if (data_ != nullptr) munmap(const_cast<char*>(data_), size_);
}

Result<std::shared_ptr<const TraceFile>> TraceFile::Open(const std::string& path, TraceFormat format,
                                                         const Registry& registry, bool strict) {
  std::shared_ptr<TraceFile> f(new TraceFile(registry));
  f->path_ = path;
  f->format_ = format;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Fail(ErrorCode::kIo, fmt::format("{}: cannot read trace ({})", path, std::strerror(errno)));
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Fail(ErrorCode::kIo, fmt::format("{}: not a regular file", path));
  }
  f->size_ = static_cast<size_t>(st.st_size);
  if (f->size_ > 0) {
    void* m = mmap(nullptr, f->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      ::close(fd);
      return Fail(ErrorCode::kIo, fmt::format("{}: cannot map trace ({})", path, std::strerror(errno)));
    }
    f->data_ = static_cast<const char*>(m);
    madvise(m, f->size_, MADV_SEQUENTIAL);
  }
  ::close(fd);

  // The header.
  size_t at = 0;
  int64_t line_no = 0;
  if (format != TraceFormat::kJsonl) {
    const auto [header, next] = LineAt(f->data_, f->size_, 0);
    const bool philly = format == TraceFormat::kPhilly;
    const std::string_view expected =
        philly ? "timestamp,duration,num_gpus" : "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos";
    if (!header.starts_with(expected)) {
      return Fail(ErrorCode::kParse,
                  philly ? fmt::format("{}:1: not a Philly trace header ({},...)", path, expected)
                         : fmt::format("{}:1: not an Alibaba GPU 2023 pod list header", path));
    }
    at = next;
    line_no = 1;
  }
  f->body_ = at;

  // Calls visit(offset, line number, line) for every non-empty row after the header.
  const int64_t header_lines = line_no;
  auto for_each_row = [&](auto visit) -> bool {
    int64_t n = header_lines;
    for (size_t row_at = f->body_; row_at < f->size_;) {
      const auto [line, next] = LineAt(f->data_, f->size_, row_at);
      ++n;
      if (!line.empty() && !visit(row_at, n, line)) return false;
      row_at = next;
    }
    return true;
  };

  // Every row once: validate, count, and see whether arrivals are in file order.
  const RowParser parse = ParserFor(format);
  const RowContext ctx{registry, TraceStream::P100Fp16(registry)};
  TraceStats& stats = f->stats_;
  bool sorted = true;
  double last = -std::numeric_limits<double>::infinity();
  double origin = std::numeric_limits<double>::infinity();
  Job scratch;
  std::optional<Error> fatal;
  for_each_row([&](size_t, int64_t n, std::string_view line) {
    ++stats.rows;
    const Row row = parse(ctx, line, n, scratch);
    if (row.kind == RowKind::kSkipped) {
      ++stats.skipped;
    } else if (row.kind == RowKind::kMalformed) {
      ++stats.malformed;
      std::string where = fmt::format("{}:{}: {}", path, n, row.problem);
      if (strict) {
        fatal = Error{ErrorCode::kValidation, std::move(where)};
        return false;
      }
      if (stats.problems.size() < kMaxProblems) stats.problems.push_back(std::move(where));
    } else {
      ++stats.jobs;
      sorted = sorted && row.time_s >= last;
      last = row.time_s;
      origin = std::min(origin, row.time_s);
    }
    return true;
  });
  if (fatal) return std::unexpected(std::move(*fatal));
  if (format == TraceFormat::kPhilly && stats.jobs > 0) f->origin_s_ = origin;
  // Out of order: a second pass indexes the jobs, then the index is sorted by arrival (ties in file order).
  if (!sorted) {
    f->order_.reserve(static_cast<size_t>(stats.jobs));
    for_each_row([&](size_t offset, int64_t n, std::string_view line) {
      const Row row = parse(ctx, line, n, scratch);
      if (row.kind == RowKind::kJob) f->order_.push_back({row.time_s, offset, n});
      return true;
    });
    std::ranges::stable_sort(f->order_, {}, &OrderEntry::time_s);
  }
  return std::shared_ptr<const TraceFile>(std::move(f));
}

std::unique_ptr<JobSource> TraceFile::Stream(uint64_t seed, double load_scale) const {
  return std::make_unique<TraceStream>(*this, seed, load_scale);
}

Result<std::unique_ptr<JobSource>> OpenTrace(const std::string& path, TraceFormat format,
                                             const Registry& registry, uint64_t seed, bool strict) {
  auto file = TraceFile::Open(path, format, registry, strict);
  if (!file) return std::unexpected(file.error());
  const TraceFile& ref = **file;
  return std::make_unique<TraceStream>(ref, seed, 1.0, std::move(*file));
}

}  // namespace zhisuan::sim
