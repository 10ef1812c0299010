# until_ok SECONDS CMD...: runs CMD until it succeeds; 0, or 1 when the
# deadline passes. The deadline is SECONDS on an idle machine, stretched by
# the load average per CPU (at most 8 times), so a busy host slows a test,
# never fails it. Sourced by the host and the guest test libraries.
until_ok() {
	local base=$1 load ncpu end
	shift
	read -r load _ </proc/loadavg
	ncpu=$(nproc)
	end=$(awk -v b="$base" -v l="$load" -v n="$ncpu" -v now="$(date +%s)" \
		'BEGIN { f = 1 + l / n; if (f > 8) f = 8; printf "%d", now + b * f }')
	while ! "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.05
	done
}
