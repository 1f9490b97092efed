#include "common/spec/logits_warper.h"

#include <cmath>
#include <vector>

#include "catch2/catch.hpp"

namespace tandem::spec {
namespace {

using Catch::Matchers::WithinAbs;

SamplingParams Temperature(double t) {
  SamplingParams p;
  p.temperature = t;
  return p;
}

TEST_CASE("WarpLogits: greedy is one-hot at the first maximum", "[spec][warp]") {
  const std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f};
  CHECK(WarpLogits(logits, Temperature(0)) == std::vector<float>{0, 1, 0, 0});
}

TEST_CASE("WarpLogits: temperature scales logits before softmax", "[spec][warp]") {
  // logits ln(1), ln(2), ln(4) at T=1 -> 1:2:4 -> 1/7, 2/7, 4/7.
  const std::vector<float> logits = {0.0f, std::log(2.0f), std::log(4.0f)};
  const std::vector<float> p1 = WarpLogits(logits, Temperature(1.0));
  CHECK_THAT(p1[0], WithinAbs(1.0 / 7, 1e-6));
  CHECK_THAT(p1[1], WithinAbs(2.0 / 7, 1e-6));
  CHECK_THAT(p1[2], WithinAbs(4.0 / 7, 1e-6));
  // T=0.5 squares the ratios: 1:4:16 -> 1/21, 4/21, 16/21.
  const std::vector<float> p2 = WarpLogits(logits, Temperature(0.5));
  CHECK_THAT(p2[0], WithinAbs(1.0 / 21, 1e-6));
  CHECK_THAT(p2[2], WithinAbs(16.0 / 21, 1e-6));
}

TEST_CASE("WarpLogits: top-k keeps the k largest and renormalises", "[spec][warp]") {
  // weights 1:2:4:8, top-2 -> 4/12, 8/12.
  std::vector<float> logits = {0, std::log(2.0f), std::log(4.0f), std::log(8.0f)};
  SamplingParams p = Temperature(1.0);
  p.top_k = 2;
  const std::vector<float> probs = WarpLogits(logits, p);
  CHECK(probs[0] == 0.0f);
  CHECK(probs[1] == 0.0f);
  CHECK_THAT(probs[2], WithinAbs(4.0 / 12, 1e-6));
  CHECK_THAT(probs[3], WithinAbs(8.0 / 12, 1e-6));
  // top_k larger than the vocabulary keeps everything.
  p.top_k = 10;
  CHECK_THAT(WarpLogits(logits, p)[0], WithinAbs(1.0 / 15, 1e-6));
}

TEST_CASE("WarpLogits: top-p keeps the smallest set reaching p", "[spec][warp]") {
  // probabilities 8/15, 4/15, 2/15, 1/15 (ranked). Cumulative: .533, .8, .933, 1.
  std::vector<float> logits = {0, std::log(2.0f), std::log(4.0f), std::log(8.0f)};
  SamplingParams p = Temperature(1.0);
  p.top_p = 0.8;  // reached exactly at the second token (8+4)/15 = 0.8
  std::vector<float> probs = WarpLogits(logits, p);
  CHECK_THAT(probs[3], WithinAbs(8.0 / 12, 1e-6));
  CHECK_THAT(probs[2], WithinAbs(4.0 / 12, 1e-6));
  CHECK(probs[1] == 0.0f);
  p.top_p = 0.81;  // needs the third token
  probs = WarpLogits(logits, p);
  CHECK_THAT(probs[1], WithinAbs(2.0 / 14, 1e-6));
  CHECK(probs[0] == 0.0f);
  p.top_p = 0.1;  // always keeps at least the top token
  CHECK(WarpLogits(logits, p) == std::vector<float>{0, 0, 0, 1});
}

TEST_CASE("WarpLogits: min-p drops tokens below min_p times the top probability", "[spec][warp]") {
  // top prob 8/15; min_p 0.2 -> threshold 1.6/15: keeps 8, 4, 2; drops 1.
  std::vector<float> logits = {0, std::log(2.0f), std::log(4.0f), std::log(8.0f)};
  SamplingParams p = Temperature(1.0);
  p.min_p = 0.2;
  std::vector<float> probs = WarpLogits(logits, p);
  CHECK(probs[0] == 0.0f);
  CHECK_THAT(probs[1], WithinAbs(2.0 / 14, 1e-6));
  CHECK_THAT(probs[3], WithinAbs(8.0 / 14, 1e-6));
}

TEST_CASE("WarpLogits: filters compose in transformers' order", "[spec][warp]") {
  // T=1, top_k=3 -> 8,4,2 (of 14); top_p=0.8: 8/14=.571, 12/14=.857 -> 8,4;
  // min_p=0.6 on 8/12, 4/12 -> threshold 0.4: keeps only 8.
  std::vector<float> logits = {0, std::log(2.0f), std::log(4.0f), std::log(8.0f)};
  SamplingParams p = Temperature(1.0);
  p.top_k = 3;
  p.top_p = 0.8;
  CHECK_THAT(WarpLogits(logits, p)[2], WithinAbs(4.0 / 12, 1e-6));
  p.min_p = 0.6;
  CHECK(WarpLogits(logits, p) == std::vector<float>{0, 0, 0, 1});
}

TEST_CASE("WarpLogits: ties at the top-k cut keep the lower ids", "[spec][warp]") {
  const std::vector<float> logits = {1.0f, 1.0f, 1.0f};
  SamplingParams p = Temperature(1.0);
  p.top_k = 2;
  const std::vector<float> probs = WarpLogits(logits, p);
  CHECK(probs == std::vector<float>{0.5f, 0.5f, 0.0f});
}

TEST_CASE("SamplingParams: invalid values are rejected with the field named", "[spec][warp]") {
  SamplingParams p;
  p.temperature = -1;
  CHECK_THAT(std::string(p.Validate().message()), Catch::Contains("temperature"));
  p = SamplingParams();
  p.top_p = 0;
  CHECK_THAT(std::string(p.Validate().message()), Catch::Contains("top_p"));
  p = SamplingParams();
  p.min_p = 1.5;
  CHECK_THAT(std::string(p.Validate().message()), Catch::Contains("min_p"));
  p = SamplingParams();
  p.top_k = -2;
  CHECK_THAT(std::string(p.Validate().message()), Catch::Contains("top_k"));
  CHECK(SamplingParams().Validate().ok());
}

}  // namespace
}  // namespace tandem::spec
