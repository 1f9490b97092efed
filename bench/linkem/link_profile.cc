#include "bench/linkem/link_profile.h"

#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/base/status_macros.h"

namespace tandem::linkem {
namespace {

absl::Status CheckProbability(absl::string_view direction, absl::string_view name, double p) {
  if (p >= 0.0 && p <= 1.0) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(direction, ".", name, " = ", p, ": a probability must be in [0, 1]"));
}

absl::StatusOr<double> ParseNumber(absl::string_view key, absl::string_view value) {
  double number = 0.0;
  if (!absl::SimpleAtod(value, &number) || !std::isfinite(number)) {
    return absl::InvalidArgumentError(absl::StrCat(key, "=", value, ": expected a number"));
  }
  return number;
}

// "0.005" or "0.5%".
absl::StatusOr<double> ParseProbability(absl::string_view key, absl::string_view value) {
  absl::string_view digits = value;
  const bool percent = absl::ConsumeSuffix(&digits, "%");
  TANDEM_ASSIGN_OR_RETURN(double p, ParseNumber(key, digits));
  if (percent) p /= 100.0;
  if (p < 0.0 || p > 1.0) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, "=", value, ": a probability must be in [0, 1] (or 0%..100%)"));
  }
  return p;
}

absl::Status ApplyDirectionSetting(absl::string_view key, absl::string_view full_key,
                                   absl::string_view value, DirectionProfile* d) {
  if (key == "loss" || key == "burst_p" || key == "burst_r" || key == "burst_loss") {
    TANDEM_ASSIGN_OR_RETURN(double p, ParseProbability(full_key, value));
    if (key == "loss") d->loss = p;
    if (key == "burst_p") d->burst_p = p;
    if (key == "burst_r") d->burst_r = p;
    if (key == "burst_loss") d->burst_loss = p;
    return absl::OkStatus();
  }
  TANDEM_ASSIGN_OR_RETURN(double number, ParseNumber(full_key, value));
  if (key == "delay_ms") {
    d->delay = absl::Microseconds(std::llround(number * 1000.0));
  } else if (key == "jitter_ms") {
    d->jitter = absl::Microseconds(std::llround(number * 1000.0));
  } else if (key == "rate_kbps") {
    d->rate_kbps = number;
  } else if (key == "rate_mbps") {
    d->rate_kbps = number * 1000.0;
  } else if (key == "queue_kb") {
    d->queue_bytes = std::llround(number * 1024.0);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown setting \"", full_key,
        "\": use delay_ms, jitter_ms, rate_kbps, rate_mbps, queue_kb, loss, burst_p, "
        "burst_r, burst_loss (optionally prefixed up. or down.), mss_bytes, min_rto_ms, "
        "max_rto_ms"));
  }
  return absl::OkStatus();
}

std::string DirectionToString(const DirectionProfile& d) {
  std::string text =
      absl::StrFormat("delay %g ms, jitter %g ms, rate %s, queue %d KiB, loss %g%%",
                      absl::ToDoubleMilliseconds(d.delay), absl::ToDoubleMilliseconds(d.jitter),
                      d.rate_kbps > 0 ? absl::StrFormat("%.0f kbit/s", d.rate_kbps) : "unlimited",
                      d.queue_bytes / 1024, d.loss * 100);
  if (d.burst_p > 0) {
    absl::StrAppendFormat(&text, ", bursts p=%g r=%g loss=%g (mean loss %.3g%%)", d.burst_p,
                          d.burst_r, d.burst_loss, d.MeanLossRate() * 100);
  }
  return text;
}

}  // namespace

double DirectionProfile::MeanLossRate() const {
  if (burst_p <= 0.0) return loss;
  // Stationary distribution of the two-state chain: pi_bad = p / (p + r).
  const double pi_bad = burst_p / (burst_p + burst_r);
  return (1.0 - pi_bad) * loss + pi_bad * burst_loss;
}

absl::Status DirectionProfile::Validate(absl::string_view direction, int64_t mss_bytes) const {
  if (delay < absl::ZeroDuration() || jitter < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(direction, ": delay (",
                                                   absl::FormatDuration(delay), ") and jitter (",
                                                   absl::FormatDuration(jitter), ") must be >= 0"));
  }
  if (!(rate_kbps >= 0.0) || !std::isfinite(rate_kbps)) {
    return absl::InvalidArgumentError(
        absl::StrCat(direction, ".rate_kbps = ", rate_kbps, ": must be >= 0 (0 = unlimited)"));
  }
  if (queue_bytes < mss_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        direction, ".queue_bytes = ", queue_bytes,
        ": the bottleneck queue must hold at least one segment (", mss_bytes, " bytes)"));
  }
  TANDEM_RETURN_IF_ERROR(CheckProbability(direction, "loss", loss));
  TANDEM_RETURN_IF_ERROR(CheckProbability(direction, "burst_p", burst_p));
  TANDEM_RETURN_IF_ERROR(CheckProbability(direction, "burst_r", burst_r));
  TANDEM_RETURN_IF_ERROR(CheckProbability(direction, "burst_loss", burst_loss));
  if (burst_p > 0.0 && burst_r <= 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat(direction, ": burst_p = ", burst_p,
                     " with burst_r = 0 never leaves the bad state; give burst_r > 0"));
  }
  if (loss >= 1.0 || (burst_p > 0.0 && MeanLossRate() >= 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(direction, ": every segment would be lost; lower loss/burst_loss"));
  }
  return absl::OkStatus();
}

absl::Status LinkProfile::Validate() const {
  if (mss_bytes < 1 || mss_bytes > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("mss_bytes = ", mss_bytes, ": must be in [1, 65535]"));
  }
  if (min_rto <= absl::ZeroDuration() || max_rto < min_rto) {
    return absl::InvalidArgumentError(absl::StrCat("min_rto = ", absl::FormatDuration(min_rto),
                                                   ", max_rto = ", absl::FormatDuration(max_rto),
                                                   ": need 0 < min_rto <= max_rto"));
  }
  TANDEM_RETURN_IF_ERROR(uplink.Validate("uplink", mss_bytes));
  return downlink.Validate("downlink", mss_bytes);
}

std::string LinkProfile::ToString() const {
  return absl::StrCat("uplink:   ", DirectionToString(uplink),
                      "\ndownlink: ", DirectionToString(downlink), "\nmss ", mss_bytes,
                      " bytes, RTO min ", absl::FormatDuration(min_rto), " max ",
                      absl::FormatDuration(max_rto), "\n");
}

absl::Status ApplySetting(absl::string_view key, absl::string_view value, LinkProfile* profile) {
  key = absl::StripAsciiWhitespace(key);
  value = absl::StripAsciiWhitespace(value);
  if (key == "mss_bytes" || key == "min_rto_ms" || key == "max_rto_ms") {
    TANDEM_ASSIGN_OR_RETURN(double number, ParseNumber(key, value));
    if (key == "mss_bytes") profile->mss_bytes = std::llround(number);
    if (key == "min_rto_ms") profile->min_rto = absl::Microseconds(std::llround(number * 1e3));
    if (key == "max_rto_ms") profile->max_rto = absl::Microseconds(std::llround(number * 1e3));
    return absl::OkStatus();
  }
  absl::string_view bare = key;
  if (absl::ConsumePrefix(&bare, "up.") || absl::ConsumePrefix(&bare, "uplink.")) {
    return ApplyDirectionSetting(bare, key, value, &profile->uplink);
  }
  if (absl::ConsumePrefix(&bare, "down.") || absl::ConsumePrefix(&bare, "downlink.")) {
    return ApplyDirectionSetting(bare, key, value, &profile->downlink);
  }
  TANDEM_RETURN_IF_ERROR(ApplyDirectionSetting(key, key, value, &profile->uplink));
  return ApplyDirectionSetting(key, key, value, &profile->downlink);
}

absl::Status ApplySettings(absl::string_view settings, LinkProfile* profile) {
  for (absl::string_view item :
       absl::StrSplit(settings, absl::ByAnyChar(", \t"), absl::SkipEmpty())) {
    std::vector<absl::string_view> kv = absl::StrSplit(item, absl::MaxSplits('=', 1));
    if (kv.size() != 2 || kv[0].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", item, "\": expected key=value (e.g. delay_ms=30)"));
    }
    TANDEM_RETURN_IF_ERROR(ApplySetting(kv[0], kv[1], profile));
  }
  return absl::OkStatus();
}

}  // namespace tandem::linkem
