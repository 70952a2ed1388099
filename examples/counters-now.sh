#!/bin/sh
# Prints a JSON array of counters dated now, for `pnpm tally load counters` or curl: counters carry their own
# second, and the top-domains answers are about recent minutes and hours, so a file of fixed dates would
# answer nothing useful (and be pruned after COUNTER_MINUTE_RETENTION_DAYS). Usage:
#   sh examples/counters-now.sh > /tmp/counters.json && pnpm tally load counters /tmp/counters.json
now=$(date +%s)
printf '[\n'
printf '  {"timestamp": %s, "example.com": 30, "tally.dev": 12, "api.example.org": 7},\n' "$((now - 1))"
printf '  {"timestamp": "%s", "example.com": 5, "tally.dev": 20},\n' "$now"
printf '  {"timestamp": %s, "cdn.example.net": 41}\n' "$now"
printf ']\n'
