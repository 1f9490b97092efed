#!/bin/sh
# Applies a docs/linkem.md netem profile to the network namespace it runs in (the
# cloud's: compose `network_mode: "service:cloud"`), then sleeps until stopped.
# Seen from the cloud, egress on $DEV is the downlink (cloud -> edge) and ingress is
# the uplink (edge -> cloud), shaped on the egress of an IFB device.
# Profile: $TANDEM_LINK = lan | wan | cellular | lossy | metro | satellite | leo | none.
set -eu
DEV=${NETEM_DEV:-eth0}
case "${TANDEM_LINK:-wan}" in
  lan)       UP="delay 0.25ms 0.05ms rate 1gbit limit 2817"; DOWN=$UP ;;
  metro)     UP="delay 5ms 1ms rate 100mbit limit 741 loss random 0.01%"; DOWN=$UP ;;
  wan)       UP="delay 30ms 2ms rate 20mbit limit 225 loss random 0.5%"; DOWN=$UP ;;
  lossy)     UP="delay 30ms 2ms rate 20mbit limit 225 loss random 3%"; DOWN=$UP ;;
  cellular)  UP="delay 50ms 15ms rate 8mbit limit 209 loss gemodel 0.2% 25% 50% 0.1%"
             DOWN="delay 50ms 15ms rate 25mbit limit 455 loss gemodel 0.2% 25% 50% 0.1%" ;;
  satellite) UP="delay 300ms 10ms rate 3mbit limit 163 loss random 1%"
             DOWN="delay 300ms 10ms rate 25mbit limit 1325 loss random 1%" ;;
  leo)       UP="delay 20ms 5ms rate 12mbit limit 195 loss gemodel 0.1% 30% 100% 0.2%"
             DOWN="delay 20ms 5ms rate 100mbit limit 867 loss gemodel 0.1% 30% 100% 0.2%" ;;
  none)      UP=""; DOWN="" ;;
  *) echo "netem-apply: unknown TANDEM_LINK '$TANDEM_LINK'" >&2; exit 2 ;;
esac
if [ -n "$DOWN" ]; then
  # shellcheck disable=SC2086
  tc qdisc replace dev "$DEV" root netem $DOWN
  if ip link add ifb0 type ifb 2>/dev/null || ip link show ifb0 >/dev/null 2>&1; then
    ip link set ifb0 up
    tc qdisc replace dev "$DEV" handle ffff: ingress
    tc filter replace dev "$DEV" parent ffff: matchall action mirred egress redirect dev ifb0
    # shellcheck disable=SC2086
    tc qdisc replace dev ifb0 root netem $UP
  else
    echo "netem-apply: no ifb device (modprobe ifb on the host): uplink not shaped" >&2
  fi
fi
echo "netem-apply: ${TANDEM_LINK:-wan} on $DEV: downlink '$DOWN', uplink '$UP'"
tc qdisc show
trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
