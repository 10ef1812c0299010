#!/usr/bin/env bash
# Renders what the demo's guest wrote to the share as one self-contained
# HTML page (inline CSS, no script, nothing fetched): the story's steps
# (story-1.txt, story-2.txt; tests/demo/lib.sh has their line shapes) and
# key db's verified history as a timeline (history.json, and history-1.json
# from before the reboot, both `szkmctl verify --json`). html.jq does the
# work.
#
#   tests/demo/html.sh SHARE OUT.html KERNEL SECONDS1 SECONDS2
set -euo pipefail
[ $# = 5 ] || { echo "usage: $0 SHARE OUT.html KERNEL SECONDS1 SECONDS2" >&2; exit 2; }
dir=$1 out=$2
jq -n -r -f "$(dirname "$0")/html.jq" \
	--rawfile s1 "$dir/story-1.txt" --rawfile s2 "$dir/story-2.txt" \
	--slurpfile h "$dir/history.json" --slurpfile h1 "$dir/history-1.json" \
	--arg kernel "$3" --arg t1 "$4" --arg t2 "$5" \
	--arg when "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$out.tmp"
mv "$out.tmp" "$out"
