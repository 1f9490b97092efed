"""The latency sweep's grid, as data: compute profiles, methods, verification
modes, links, the grid's sections and the run profiles (smoke, quick, full).

A grid point (Point) is one configuration: tandem-cloud and tandem-linkem are
started for it and the prompt set runs through tandem-edge. Its point_id is a
stable string built from its parameters (sweep.py --resume keys on it).

Stdlib only; imported by sweep.py (any Python 3.11) and plots.py.
"""
import dataclasses

THREADS = 1     # --threads of tandem-cloud and tandem-edge
FIRST_SEED = 1  # prompt i (from 0) runs with --seed FIRST_SEED + i
VOCABULARY = 2048  # of the bundled pair: sparse-draft with k = VOCABULARY ships all of q
TARGET_MODEL = "deploy/models/tandem-target"  # relative to the repository root
DRAFT_MODEL = "deploy/models/tandem-draft"
DRIFT_SCHEDULE = "bench/sweep/drift_schedule.txt"  # tandem-linkem --schedule file


@dataclasses.dataclass(frozen=True)
class Compute:
    """A compute profile: each model forward over n tokens is padded to last at
    least fixed + per_token * n ms (--emulate-forward); all zero = no padding."""
    name: str
    cloud_fixed_ms: float = 0.0
    cloud_per_token_ms: float = 0.0
    edge_fixed_ms: float = 0.0
    edge_per_token_ms: float = 0.0

    def cloud_emulation(self):
        """tandem-cloud's --emulate-forward value ("" = none)."""
        return _emulation(self.cloud_fixed_ms, self.cloud_per_token_ms)

    def edge_emulation(self):
        """tandem-edge's --emulate-forward value ("" = none)."""
        return _emulation(self.edge_fixed_ms, self.edge_per_token_ms)


def _emulation(fixed_ms, per_token_ms):
    """--emulate-forward's "FIXED[+PER_TOKEN/token]" form, "" when both are 0."""
    if fixed_ms == 0 and per_token_ms == 0:
        return ""
    text = f"{fixed_ms:g}ms"
    if per_token_ms:
        text += f"+{per_token_ms:g}ms/token"
    return text


def emulation_flags(emulation):
    """The --emulate-forward flag for a value from Compute, or none."""
    return [f"--emulate-forward={emulation}"] if emulation else []


COMPUTE = {c.name: c for c in (
    Compute("bundled"),  # the tiny models as they are
    Compute("t50", cloud_fixed_ms=50, cloud_per_token_ms=0.5, edge_fixed_ms=10),
    Compute("t100", cloud_fixed_ms=100, cloud_per_token_ms=0.5, edge_fixed_ms=10),
    # A slow drafter next to a fast verifier: a ~1B draft on a phone CPU
    # (30 ms/token) and a ~7B target on a data-centre GPU (15 ms per forward).
    Compute("phone", cloud_fixed_ms=15, cloud_per_token_ms=0.2, edge_fixed_ms=30),
    # Both slow: the t100 target with the phone's draft.
    Compute("t100-phone", cloud_fixed_ms=100, cloud_per_token_ms=0.5, edge_fixed_ms=30),
)}


@dataclasses.dataclass(frozen=True)
class Method:
    """A decoding method and the tandem-edge flags that select it."""
    name: str
    decoding: str          # --decoding
    gamma_policy: str      # fixed, adaptive, or "" (no drafting)
    extra_flags: tuple = ()

    @property
    def speculative(self):
        return bool(self.gamma_policy)


METHODS = {m.name: m for m in (
    Method("cloud-ar", "cloud", ""),
    Method("edge-only", "edge", ""),
    Method("sync", "sync", "fixed"),
    Method("pipelined-fixed", "pipelined", "fixed", ("--adaptive=false",)),
    Method("pipelined-adaptive", "pipelined", "adaptive", ("--adaptive",)),
)}

ADAPTIVE_DRAFT_MAX = 16  # the adaptive controller's gamma range is [1, 16]

# (method, gamma) pairs of the grid; gamma is --draft-max (0: not speculative).
CLOUD_AR = ("cloud-ar", 0)
EDGE_ONLY = ("edge-only", 0)
SYNC_G4 = ("sync", 4)
PIPELINED_G8 = ("pipelined-fixed", 8)
ADAPTIVE = ("pipelined-adaptive", ADAPTIVE_DRAFT_MAX)


@dataclasses.dataclass(frozen=True)
class Mode:
    """A verification mode: --mode, and the flag of its size parameter."""
    name: str
    verification: str  # --mode
    param_flag: str    # the tandem-edge flag that sets the parameter
    param_name: str    # its name in the papers: m, k or K
    default: int

    @property
    def param_column(self):
        """The results.csv column of the parameter: the flag in snake_case."""
        return self.param_flag.lstrip("-").replace("-", "_")


MODES = {m.name: m for m in (
    Mode("exact", "exact", "--residual-candidates", "m", 8),
    Mode("sparse-draft", "sparse-draft", "--sparse-top-k", "k", 8),
    Mode("topk", "topk", "--top-k-return", "K", 16),
    # The draft ships its whole distribution; the cloud does all of the
    # rejection sampling (the ablation without split rejection sampling).
    Mode("dense", "sparse-draft", "--sparse-top-k", "k", VOCABULARY),
)}


@dataclasses.dataclass(frozen=True)
class Link:
    """A tandem-linkem link. For a preset the figures are the preset's, as
    printed by `tandem-linkem --list_presets` (sweep.py checks them)."""
    name: str
    rtt_ms: float
    rate_kbps: float  # both directions, 0 = unlimited
    loss: float = 0.0  # probability per segment, both directions
    jitter_ms: float = 0.0
    preset: str = ""
    schedule: str = ""  # a --schedule file, relative to the repository root

    def flags(self):
        """tandem-linkem's link flags."""
        if self.preset:
            flags = ["--preset", self.preset]
        else:
            flags = ["--delay_ms", f"{self.rtt_ms / 2:g}", "--jitter_ms", f"{self.jitter_ms:g}",
                     "--rate_kbps", f"{self.rate_kbps:g}", "--loss", f"{self.loss:g}"]
        if self.schedule:
            flags += ["--schedule", self.schedule]
        return flags


LAN = Link("lan", rtt_ms=0.5, rate_kbps=1_000_000, jitter_ms=0.05, preset="lan")
WAN = Link("wan", rtt_ms=60, rate_kbps=20_000, loss=0.005, jitter_ms=2, preset="wan")
# Starts as the fast phase of DRIFT_SCHEDULE, which then takes over.
DRIFT = Link("drift", rtt_ms=10, rate_kbps=100_000, schedule=DRIFT_SCHEDULE)


def custom_link(rtt_ms, rate_kbps=20_000, loss=0.0):
    """A link without jitter, named by the figures that differ from 20 Mbit/s, no loss."""
    name = f"rtt={rtt_ms:g}"
    if rate_kbps != 20_000:
        name += f",rate={rate_kbps:g}k"
    if loss:
        name += f",loss={loss * 100:g}%"
    return Link(name, rtt_ms=rtt_ms, rate_kbps=rate_kbps, loss=loss)


@dataclasses.dataclass(frozen=True)
class Size:
    """How much each point generates: the first n_prompts of prompts.txt,
    max_tokens each."""
    n_prompts: int
    max_tokens: int


@dataclasses.dataclass(frozen=True)
class Point:
    """One grid point: the parameters of a measurement, and the sections of the
    grid that use it (not a parameter: two sections asking for the same
    parameters share one measurement)."""
    method: str
    gamma: int        # --draft-max: G, or the adaptive bound; 0 when not speculative
    mode: str         # a MODES key; "" when not speculative
    mode_param: int   # m, k or K of the mode; 0 when not speculative
    link: Link
    temperature: float
    compute: str      # a COMPUTE key
    size: Size
    sections: tuple = dataclasses.field(default=(), compare=False)

    @property
    def point_id(self):
        """method/mode/link/T=temperature/compute/NxTOKENS, e.g.
        pipelined-adaptive/exact-m8/rtt=60/T=0/t100/3x48."""
        return "/".join((self.method_label, self.mode_label, self.link.name,
                         f"T={self.temperature:g}", self.compute,
                         f"{self.size.n_prompts}x{self.size.max_tokens}"))

    @property
    def method_label(self):
        """sync-G4, pipelined-G8, pipelined-adaptive, cloud-ar or edge-only."""
        if METHODS[self.method].gamma_policy == "fixed":
            return f"{self.method.split('-')[0]}-G{self.gamma}"
        return self.method

    @property
    def mode_label(self):
        """exact-m8, topk-K16, sparse-draft-k8, dense-k2048, or none."""
        if not self.mode:
            return "none"
        return f"{self.mode}-{MODES[self.mode].param_name}{self.mode_param}"

    def seeds(self):
        return [FIRST_SEED + i for i in range(self.size.n_prompts)]

    def edge_flags(self):
        """tandem-edge's flags for this point, less --model, --cloud, --prompt and --seed."""
        method = METHODS[self.method]
        flags = ["--decoding", method.decoding, *method.extra_flags,
                 "--max-tokens", str(self.size.max_tokens), "--threads", str(THREADS),
                 "--temperature", f"{self.temperature:g}", "--json"]
        if method.speculative:
            mode = MODES[self.mode]
            flags += ["--draft-max", str(self.gamma), "--mode", mode.verification,
                      mode.param_flag, str(self.mode_param)]
        return flags + emulation_flags(COMPUTE[self.compute].edge_emulation())

    def cloud_flags(self):
        """tandem-cloud's flags for this point, less --model and --address."""
        compute = COMPUTE[self.compute]
        return ["--threads", str(THREADS)] + emulation_flags(compute.cloud_emulation())


def point(section, method_gamma, link, temperature, compute, size, mode="exact", mode_param=None):
    """A Point of `section`; mode and mode_param are dropped for methods that do not draft."""
    method, gamma = method_gamma
    if not METHODS[method].speculative:
        mode, mode_param = "", 0
    elif mode_param is None:
        mode_param = MODES[mode].default
    return Point(method, gamma, mode, mode_param, link, temperature, compute, size, (section,))


def merged(points):
    """The points with equal parameters merged into one (the first's place in
    the order, the sections of all)."""
    by_parameters = {}
    for p in points:
        first = by_parameters.get(p)
        by_parameters[p] = p if first is None else dataclasses.replace(
            first, sections=first.sections + tuple(s for s in p.sections
                                                   if s not in first.sections))
    return list(by_parameters.values())


# --- The sections -------------------------------------------------------------
# The values are the full profile's, trimmed to fit it in ~45 minutes on the
# project's 2-core VM: README.md ("What the full grid leaves out") lists the cuts.

TEMPERATURES = (0.0, 0.8)
RTT_PANELS = (("bundled", 0.0), ("t100", 0.0), ("t100", 0.8))  # (compute, temperature)
RTTS_MS = (1, 10, 30, 60, 100, 200)
RTT_METHODS = (CLOUD_AR, SYNC_G4, PIPELINED_G8, ADAPTIVE)  # and EDGE_ONLY, once per panel
BANDWIDTHS_KBPS = (50, 200, 1000, 20_000)
SD_MODES = ("exact", "sparse-draft", "topk", "dense")
LOSSES = (0.0, 0.005, 0.01, 0.02, 0.05)
HEADLINE_METHODS = (CLOUD_AR, SYNC_G4, ADAPTIVE)
# Over wan, sync also runs at these G, so the headline compares against the
# best synchronous G in hindsight, not only against G = 4.
WAN_EXTRA_SYNC = (("sync", 2), ("sync", 8))
GAMMAS = (1, 2, 4, 6, 8, 12, 16)
GAMMA_TEMPERATURES = (0.8,)
KM_VALUES = {"topk": (4, 8, 16, 32, 64), "exact": (1, 2, 4, 8, 16),
             "sparse-draft": (2, 4, 8, 16, 64)}
# The ablation's variants: label -> ((method, gamma), mode).
ABLATION_VARIANTS = {
    "full": (ADAPTIVE, "exact"),
    "without pipeline": (SYNC_G4, "exact"),
    "without split rejection sampling": (ADAPTIVE, "dense"),
    "without adaptivity": (PIPELINED_G8, "exact"),
    "cloud-only AR": (CLOUD_AR, ""),
}
PIPELINE_RTTS_MS = (50, 100, 200)
PIPELINE_METHODS = (("sync", 1), ("sync", 2), SYNC_G4, ("pipelined-fixed", 1), ADAPTIVE)
DRIFT_SIZE = Size(1, 240)  # the pair's 256-position window caps a generation near 248 tokens


def rtt_section(size, rtts=RTTS_MS, panels=RTT_PANELS):
    """Methods x RTT at 20 Mbit/s without loss, per (compute, temperature) panel.
    Edge-only runs once per panel (at the first RTT: it does not use the link)."""
    points = []
    for compute, t in panels:
        points.append(point("rtt", EDGE_ONLY, custom_link(rtts[0]), t, compute, size))
        points += [point("rtt", m, custom_link(rtt), t, compute, size)
                   for rtt in rtts for m in RTT_METHODS]
    return points


def bandwidth_section(size, rates=BANDWIDTHS_KBPS):
    """Rate at RTT 60 ms x methods x modes (cloud-ar once per rate), T = 0.8, t100."""
    points = []
    for rate in rates:
        link = custom_link(60, rate_kbps=rate)
        points.append(point("bandwidth", CLOUD_AR, link, 0.8, "t100", size))
        points += [point("bandwidth", m, link, 0.8, "t100", size, mode=mode)
                   for m in (SYNC_G4, ADAPTIVE) for mode in SD_MODES]
    return points


def loss_section(size, losses=LOSSES):
    """Loss at RTT 60 ms, 20 Mbit/s x the headline methods, T = 0, t100."""
    return [point("loss", m, custom_link(60, loss=loss), 0.0, "t100", size)
            for loss in losses for m in HEADLINE_METHODS]


def gamma_section(size, gammas=GAMMAS, temperatures=GAMMA_TEMPERATURES):
    """Fixed G for sync and pipelined over the wan preset, t100."""
    return [point("gamma", (method, g), WAN, t, "t100", size)
            for t in temperatures for method in ("sync", "pipelined-fixed") for g in gammas]


def km_section(size, km_values=KM_VALUES):
    """Pipelined adaptive over wan, T = 0.8, t100, per mode and its K, m or k."""
    return [point("km", ADAPTIVE, WAN, 0.8, "t100", size, mode=mode, mode_param=value)
            for mode, values in km_values.items() for value in values]


def ablation_section(size):
    """ABLATION_VARIANTS over wan, both temperatures, t100."""
    return [point("ablation", method_gamma, WAN, t, "t100", size, mode=mode)
            for t in TEMPERATURES for method_gamma, mode in ABLATION_VARIANTS.values()]


def wan_section(size):
    """The headline: the headline methods (and sync at WAN_EXTRA_SYNC) over wan,
    every compute profile and temperature."""
    return [point("wan", m, WAN, t, c, size)
            for c in COMPUTE for t in TEMPERATURES for m in HEADLINE_METHODS + WAN_EXTRA_SYNC]


def pipeline_section(size, rtts=PIPELINE_RTTS_MS):
    """Pipelined vs synchronous where drafting is slow (the phone profile): sync
    at G = 1, 2, 4, pipelined at G = 1 and adaptive, RTT >= 50 ms, both
    temperatures, 20 Mbit/s without loss (issue #5's comparison)."""
    return [point("pipeline", m, custom_link(rtt), t, "phone", size)
            for t in TEMPERATURES for rtt in rtts for m in PIPELINE_METHODS]


DRIFT_METHODS = (ADAPTIVE, ("pipelined-fixed", 1), ("pipelined-fixed", 2), ("sync", 1),
                 ("sync", 2))


def drift_section():
    """One long generation over DRIFT_SCHEDULE (a fresh tandem-linkem per point,
    so every point sees the same phases): pipelined adaptive with t100, and
    pipelined adaptive against fixed settings with the phone profile."""
    return ([point("drift", ADAPTIVE, DRIFT, 0.8, "t100", DRIFT_SIZE)]
            + [point("drift", m, DRIFT, 0.8, "phone", DRIFT_SIZE) for m in DRIFT_METHODS])


def ablation_label(row):
    """The ABLATION_VARIANTS label of a results row (a dict of CSV strings), or None."""
    for label, ((method, gamma), mode) in ABLATION_VARIANTS.items():
        if row["method"] == method and int(row["gamma"]) == gamma and row["mode"] == mode:
            return label
    return None


# --- Run profiles -------------------------------------------------------------

FULL_SIZE = Size(3, 48)
QUICK_SIZE = Size(1, 32)
SMOKE_SIZE = Size(1, 12)


def smoke_points():
    """cloud-ar, sync G=4 and pipelined adaptive over lan, bundled compute, 1 x 12 tokens."""
    return [point("smoke", m, LAN, 0.0, "bundled", SMOKE_SIZE) for m in HEADLINE_METHODS]


def quick_points():
    """A preview of every section with fewer values, 1 prompt x 32 tokens."""
    size = QUICK_SIZE
    return merged(
        rtt_section(size, rtts=(10, 60, 200))
        + bandwidth_section(size, rates=(200, 20_000))
        + loss_section(size, losses=(0.0, 0.02))
        + gamma_section(size, gammas=(1, 4, 16))
        + km_section(size, km_values={"topk": (4, 64), "exact": (1, 16),
                                      "sparse-draft": (2, 64)})
        + ablation_section(size) + wan_section(size)
        + pipeline_section(size, rtts=(100,)) + drift_section())


def full_points():
    """Every section with the values above, 3 prompts x 48 tokens."""
    size = FULL_SIZE
    return merged(rtt_section(size) + bandwidth_section(size) + loss_section(size)
                  + gamma_section(size) + km_section(size) + ablation_section(size)
                  + wan_section(size) + pipeline_section(size) + drift_section())


PROFILES = {"smoke": smoke_points, "quick": quick_points, "full": full_points}
