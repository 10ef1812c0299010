# The demo as an HTML page (run by tests/demo/html.sh, which names the
# inputs): $s1, $s2 the two boots' stories; $h[0], $h1[0] db's history
# from `szkmctl verify --json` after and before the reboot; $kernel, $t1,
# $t2 and $when for the header. Everything taken from a file is escaped
# with @html.

# A story line, by its shape (see tests/demo/lib.sh).
def kind:
	if startswith("## ") then {k: "step", t: .[3:]}
	elif startswith("    $ ") then {k: "cmd", t: .[6:]}
	elif startswith("    (") then {k: "log", t: .[4:]}
	elif startswith("      ") then {k: "out", t: .[6:]}
	elif startswith("    ") then {k: "out", t: .[4:]}
	elif startswith("  ✓ ") then {k: "ok", t: .[4:]}
	elif startswith("  ✗ ") then {k: "bad", t: .[4:]}
	elif . == "" then {k: "blank"}
	else {k: "say", t: .} end;

# A story as steps: [{title, items: [{k, t}]}].
def steps:
	reduce (split("\n")[] | kind) as $i ([];
		if $i.k == "step" then . + [{title: $i.t, items: []}]
		elif $i.k == "blank" or length == 0 then .
		else .[length - 1].items += [$i] end);

# Items in blocks: a command and its output in one <pre>, narrative in
# one paragraph, checks in one list.
def group: if .k == "say" then "p" elif .k == "ok" or .k == "bad" then "ul" else "pre" end;
def blocks:
	reduce .[] as $i ([];
		($i | group) as $g
		| if length > 0 and .[-1].g == $g then .[length - 1].items += [$i]
		  else . + [{g: $g, items: [$i]}] end);

def item:
	if .k == "cmd" then "<span class=\"cmd\">$ \(.t | @html)</span>"
	elif .k == "log" then "<span class=\"log\">\(.t | @html)</span>"
	else .t | @html end;
def block:
	if .g == "pre" then "<pre>" + ([.items[] | item] | join("\n")) + "</pre>"
	elif .g == "p" then "<p>" + ([.items[].t] | join(" ") | @html) + "</p>"
	else "<ul class=\"checks\">"
		+ ([.items[] | "<li class=\"\(.k)\">\(if .k == "ok" then "✓" else "✗" end) \(.t | @html)</li>"] | join(""))
		+ "</ul>" end;
def step: "<section class=\"step\"><h3>\(.title | @html)</h3>\n" + ([.items | blocks[] | block] | join("\n")) + "</section>";

# What an event did, in words.
def told:
	{"device-init": "the device was made", "key-create": "created",
	 "key-import": "imported", "key-load": "loaded from its saved blob",
	 "key-rotate": "rotated: a new version", "key-state": "a version changed state",
	 "key-policy": "its policy changed", "key-destroy": "a version was destroyed",
	 "device-resume": "the device resumed after a reboot"}[.] // .;
# Who: "kernel", or "uid=U auid=A pid=P comm=C" as szkmctl verify says it.
def who:
	if . == "kernel" then "the kernel (its rotation service)"
	else (capture("uid=(?<u>[0-9]+) .*pid=(?<p>[0-9]+) comm=(?<c>.*)")
	      | "\(.c) (uid \(.u), pid \(.p))") // . end;

# db's history: each event with who did it and its proof; a line where
# the machine rebooted (events past the first boot's checkpoint).
def timeline($v; $boot1):
	($v.checkpoint.size) as $size
	| ([$v.events[] | select(.index >= $boot1)] | first | .index) as $first2
	| [$v.events[]
	   | (if .index == $first2 then "<li class=\"reboot\">the machine reboots; the device and keys are restored</li>" else empty end),
	     "<li class=\"ev\"><div class=\"when\">seq \(.seq) · ledger index \(.index)</div>"
	     + "<div class=\"what\"><b>\(.event | @html)</b> v\(.version) <span class=\"state \(.state | @html)\">\(.state | @html)</span> \(.event | told | @html)</div>"
	     + "<div class=\"who\">by \(.actor | who | @html)</div>"
	     + "<div class=\"proof\">"
	     + (if $v.verified and .index < $size
	        then "✓ inclusion proof verified against the signed checkpoint of size \($size); device signature verified"
	        else "not in the checkpoint yet" end)
	     + "</div></li>"]
	| "<ol class=\"timeline\">" + join("\n") + "</ol>";

def versions($v):
	"<table><tr><th>version</th><th>state now</th><th>origin</th></tr>"
	+ ([$v.versions[] | "<tr><td>v\(.version)</td><td>\(.state | @html)</td><td>\(.origin | @html)</td></tr>"] | join(""))
	+ "</table>";

($h[0]) as $v
| ($s1 | steps) as $b1
| ($s2 | steps) as $b2
| ($b1 + $b2 | [.[].items[] | select(.k == "ok")] | length) as $checks
| "<!DOCTYPE html>
<html lang=\"en\"><head><meta charset=\"utf-8\">
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">
<title>szkm: the whole story in one run</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; color: #1d2330; background: #f6f7f9; margin: 0; }
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 4rem; }
h1 { margin: .2rem 0; font-size: 1.9rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #c9d3e3; }
.meta { color: #566; } .pass { color: #0a7d32; font-weight: 600; }
.step { background: #fff; border: 1px solid #dde3ec; border-radius: 8px; padding: .4rem 1.1rem .6rem; margin: 1rem 0; }
.step h3 { margin: .5rem 0 .3rem; font-size: 1.1rem; }
pre { background: #1e2430; color: #d8dee9; padding: .7rem .9rem; border-radius: 6px; overflow-x: auto; font-size: .82rem; line-height: 1.4; white-space: pre-wrap; word-break: break-all; }
pre .cmd { color: #a3e08a; } pre .log { color: #f0c674; }
ul.checks { list-style: none; padding-left: .2rem; } ul.checks li.ok { color: #0a7d32; } ul.checks li.bad { color: #b3261e; font-weight: 600; }
ol.timeline { list-style: none; border-left: 3px solid #7b93c4; margin-left: .6rem; padding-left: 1.2rem; }
ol.timeline li.ev { position: relative; background: #fff; border: 1px solid #dde3ec; border-radius: 8px; padding: .5rem .9rem; margin: .7rem 0; }
ol.timeline li.ev::before { content: \"\"; position: absolute; left: -1.75rem; top: .9rem; width: .8rem; height: .8rem; border-radius: 50%; background: #7b93c4; }
ol.timeline li.reboot { margin: 1rem 0 1rem -1.9rem; padding: .3rem .8rem; background: #fff4d6; border: 1px dashed #d9a400; border-radius: 6px; font-weight: 600; }
.when { color: #566; font-size: .85rem; } .who { font-family: ui-monospace, monospace; font-size: .85rem; } .proof { color: #0a7d32; font-size: .9rem; }
.state { padding: 0 .4rem; border-radius: 4px; background: #e4e9f2; font-size: .85rem; } .state.active { background: #d5f2dd; } .state.pending { background: #fff0c2; }
table { border-collapse: collapse; } td, th { border: 1px solid #dde3ec; padding: .2rem .7rem; text-align: left; background: #fff; }
code { background: #e4e9f2; padding: 0 .25rem; border-radius: 3px; }
</style></head><body><main>
<h1>szkm: the whole story in one run</h1>
<p class=\"meta\"><code>make demo</code>, \($when | @html): a QEMU guest (Linux \($kernel | @html)) with a software TPM 2.0, booted twice on the same TPM and disk (first boot \($t1) s, second \($t2) s). <span class=\"pass\">All \($b1 + $b2 | length) steps held (\($checks) checks).</span></p>
<p>szkm keeps keys in the Linux kernel: they are made and used there, the root key that protects them at rest is sealed by the TPM, a rotation service in the kernel rotates them, and every change is an event the kernel signs and a ledger (<code>ledgerd</code>, a Merkle log with signed checkpoints) records and proves back to the kernel. This page is what one run of <code>make demo</code> did and checked, step by step, and the history of one key, <code>db</code>, as the ledger proves it.</p>
<h2>db's history, as the ledger proves it</h2>
<p>From <code>szkmctl verify --json</code> after the reboot: key \($v.name | @html) (\($v.alg | @html), id <code>\($v.key_id | @html)</code>) on device <code>\($v.device_id[0:16] | @html)…</code>. Checkpoint of <code>\($v.checkpoint.origin | @html)</code>, size \($v.checkpoint.size), root <code>\($v.checkpoint.root[0:16] | @html)…</code>, signed by \($v.checkpoint.signers) of \($v.checkpoint.keys) ledger keys (\($v.checkpoint.threshold) needed)\(if $v.previous_size then ", consistent with the checkpoint of size \($v.previous_size) this client saw before" else "" end). The kernel's key agrees with the ledger: \(if $v.kernel.agrees then "yes" else "no" end). Each event's state is the one it records: a new version is <i>pending</i> until the ledger proves its event, then active.</p>
" + timeline($v; $h1[0].checkpoint.size) + "
<p>Versions now:</p>" + versions($v) + "
<h2>First boot</h2>
" + ([$b1[] | step] | join("\n")) + "
<h2>Second boot, after the reboot</h2>
" + ([$b2[] | step] | join("\n")) + "
</main></body></html>"
