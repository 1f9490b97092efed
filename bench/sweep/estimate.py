"""A rough cost model of a grid point's wall time, to print the sweep's expected
duration at the start and to weigh the ETA while it runs.

Per point: starting and stopping the servers, one tandem-edge start and
CONNECT_RTTS round trips (connection, session, first token) per prompt, and
max_tokens per prompt at a per-token time that follows the method:
  cloud-ar    t_cloud(1) + downlink bytes / rate (the cloud streams its tokens:
              one RTT per prompt, not per token)
  edge-only   t_edge
  sync G      (G t_edge + t_cloud(G) + RTT + G uplink bytes / rate) / L(G)
  pipelined   PIPELINE_FACTOR x sync with the same G (adaptive: G = 4), its uploads
              PIPELINED_SENT_PER_DRAFTED times larger (drafts sent, then discarded)
where L(G) = (1 - a^(G+1)) / (1 - a) is the expected tokens per round at
per-token acceptance a = ALPHA. The constants were measured on the 2-core
AMD EPYC VM the project runs on (git 270bcdb with --emulate-forward);
they are for planning, not for results.

Stdlib only (any Python 3.11).
"""
import grid

POINT_OVERHEAD_S = 0.6   # start tandem-cloud and tandem-linkem, stop both
PROMPT_OVERHEAD_S = 0.45  # start tandem-edge, load the draft, connect
BUNDLED_CLOUD_MS = 1.5   # a target forward of the bundled pair (one core)
BUNDLED_EDGE_MS = 0.3    # a draft forward of the bundled pair
ALPHA = 0.55             # per-token acceptance of the bundled pair (fitted)
PIPELINE_FACTOR = 0.9    # pipelined time per token / synchronous, same G (fitted)
PIPELINED_SENT_PER_DRAFTED = 1.7  # drafted tokens sent / drafted tokens judged (fitted)
ADAPTIVE_ESTIMATE_GAMMA = 4
DRIFT_MEAN_RTT_MS = 105  # DRIFT_SCHEDULE spends half its time at 10 ms, half at 200 ms
DRIFT_MEAN_RATE_KBPS = 2_000  # its slow phase dominates transfer times
DOWNLINK_BYTES_PER_TOKEN = 40
UPLINK_BYTES_PER_DRAFTED_TOKEN = {"exact": 15, "sparse-draft": 45, "topk": 15,
                                  "dense": 1200}  # dense: 2048 fp16 probabilities, zstd
CONNECT_RTTS = 3


def _forward_ms(fixed_ms, per_token_ms, floor_ms, n_tokens):
    return max(fixed_ms + per_token_ms * n_tokens, floor_ms)


def _transfer_ms(n_bytes, rate_kbps):
    return 8 * n_bytes / rate_kbps if rate_kbps else 0.0


def _link_figures(link):
    """(RTT ms, rate kbit/s) of a link, averaged over a drift schedule."""
    if link.schedule:
        return DRIFT_MEAN_RTT_MS, DRIFT_MEAN_RATE_KBPS
    return link.rtt_ms, link.rate_kbps


def seconds_per_token(point):
    """The cost model's time per generated token of `point`, in seconds."""
    compute = grid.COMPUTE[point.compute]
    rtt_ms, rate_kbps = _link_figures(point.link)
    t_edge = _forward_ms(compute.edge_fixed_ms, compute.edge_per_token_ms, BUNDLED_EDGE_MS, 1)
    if point.method == "edge-only":
        return t_edge / 1000
    if point.method == "cloud-ar":
        t_cloud = _forward_ms(compute.cloud_fixed_ms, compute.cloud_per_token_ms,
                              BUNDLED_CLOUD_MS, 1)
        return (t_cloud + _transfer_ms(DOWNLINK_BYTES_PER_TOKEN, rate_kbps)) / 1000
    gamma = ADAPTIVE_ESTIMATE_GAMMA if point.method == "pipelined-adaptive" else point.gamma
    t_cloud = _forward_ms(compute.cloud_fixed_ms, compute.cloud_per_token_ms, BUNDLED_CLOUD_MS,
                          gamma)
    pipelined = point.method.startswith("pipelined")
    upload = _transfer_ms(gamma * UPLINK_BYTES_PER_DRAFTED_TOKEN[point.mode], rate_kbps)
    upload *= PIPELINED_SENT_PER_DRAFTED if pipelined else 1
    tokens_per_round = (1 - ALPHA ** (gamma + 1)) / (1 - ALPHA)
    seconds = (gamma * t_edge + t_cloud + rtt_ms + upload) / tokens_per_round / 1000
    return seconds * (PIPELINE_FACTOR if pipelined else 1)


def point_seconds(point):
    """The cost model's wall time of one grid point, in seconds."""
    size = point.size
    per_prompt_s = PROMPT_OVERHEAD_S + CONNECT_RTTS * _link_figures(point.link)[0] / 1000
    return POINT_OVERHEAD_S + size.n_prompts * (per_prompt_s
                                                + size.max_tokens * seconds_per_token(point))
