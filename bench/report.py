#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The host side of scripts/bench: turns the ROW/ERROR/INFO lines the guest
printed (scripts/guest/bench.sh) into a table on the terminal, a CSV, a
gnuplot PNG and the targets section.

  report.py LOG OUTDIR HOST_MEMSET_NS CPU_MODEL HOST_INFO

Exit status: 0 when both benches finished and every row was measured,
1 when a row failed or a bench did not finish, 3 when the CSV or the PNG
could not be written.  Target MISSes never change it: they are reported.
"""
import csv
import os
import subprocess
import sys
import time

log, outdir, host_memset, cpu_model, host_info = \
    sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], sys.argv[5]

rows = {}       # (side, group, name, size) -> dict
order = []
errors = []
info = []
for line in open(log, errors="replace"):
    line = line.rstrip("\n")
    if line.startswith("ROW "):
        f = line[4:].split(",")
        if len(f) != 9:
            errors.append("malformed row: " + line)
            continue
        side, group, name, size = f[0], f[1], f[2], int(f[3])
        med, lo, hi = float(f[4]), float(f[5]), float(f[6])
        key = (side, group, name, size)
        rows[key] = dict(side=side, group=group, name=name, size=size, median=med,
                         min=lo, max=hi, reps=int(f[7]), iters=int(f[8]),
                         spread=(hi - lo) / med * 100 if med else 0.0)
        order.append(key)
    elif line.startswith("ERROR "):
        errors.append(line[6:])
    elif line.startswith("INFO "):
        info.append(line[5:])

kernel_done = "kernel done" in info
user_done = any(i.startswith("user rows done") for i in info)
# Every row the benches tried printed ROW or ERROR: count them against that.
for i in info:
    if i.startswith("kernel tiers "):
        want = 6 * int(i.split()[2])
        have = sum(1 for k in rows if k[0] == "kernel")
        if have + sum(1 for e in errors if e.startswith("kernel,")) != want:
            errors.append("kernel bench: %d rows of %d" % (have, want))
    if i.startswith("user rows done: "):
        want = int(i.split()[3])
        have = sum(1 for k in rows if k[0] == "user")
        if have + sum(1 for e in errors if e.startswith("user,")) < want:
            errors.append("user bench: %d rows of %d" % (have, want))


def get(side, group, name, size):
    r = rows.get((side, group, name, size))
    return r["median"] if r else None


def fmt_ns(ns):
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f us" % (ns / 1e3)
    return "%.0f ns" % ns


def fmt_size(n):
    if n == 0:
        return "-"
    for unit, div in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= div and n % div == 0:
            return "%d %s" % (n // div, unit)
    return "%d B" % n


# ------------------------------------------------------------------ header
print()
print("===== kpool bench: %s =====" % time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
for i in info:
    if i.startswith(("cpu", "cpuflag", "ncpus", "kernel 6", "kernel ", "memcg", "vgem", "tiers", "kernel tiers", "shell cgroup")):
        print("  " + i)
guest_memset = get("user", "floor", "memset", 65536)
print("  QEMU TCG -cpu %s; host: %s" % (cpu_model, host_info))
if guest_memset:
    print("  memset of 64 KiB: guest %s, host %s: guest/host %.1fx"
          % (fmt_ns(guest_memset), fmt_ns(host_memset), guest_memset / host_memset))

# ------------------------------------------------------------------ table
print()
print("%-7s %-8s %-22s %10s %11s %11s %11s %7s %4s %10s" %
      ("side", "group", "row", "size", "median", "min", "max", "spread", "reps", "ops/s"))
for key in order:
    r = rows[key]
    ops = "%10.0f" % (1e9 / r["median"]) if r["group"] in ("threads", "mixed") and r["median"] else ""
    print("%-7s %-8s %-22s %10s %11s %11s %11s %6.0f%% %4d %10s" %
          (r["side"], r["group"], r["name"], fmt_size(r["size"]), fmt_ns(r["median"]),
           fmt_ns(r["min"]), fmt_ns(r["max"]), r["spread"], r["reps"], ops))
print("(per operation: one alloc+free, one buffer of a batch; threads and mixed: wall time"
      " per operation of all threads, ops/s = their sum; spread = (max - min) / median)")

# ------------------------------------------------------------------ targets
targets = []


def target(name, value, ok_if, limit):
    if value is None:
        targets.append((name, None, ok_if, limit))
    else:
        targets.append((name, value, ok_if, limit))


def ratio(a, b):
    return a / b if a is not None and b else None


ni = get("user", "floor", "null-ioctl", 0)
bare256 = get("kernel", "slab", "bare", 256)
zero256 = get("kernel", "slab", "memset", 256)
floor256 = 2 * ni + bare256 + zero256 if None not in (ni, bare256, zero256) else None
target("user ALLOC+FREE 256 B / (2 null ioctls + kernel bare kmem_cache_alloc+free 256 B + zeroing 256 B)",
       ratio(get("user", "alloc", "alloc+free", 256), floor256), "<=", 1.5)
ktiers = sorted({k[3] for k in rows if k[0] == "kernel" and k[2] == "kpool"})
for s in ktiers:
    target("kernel kpool_buf_alloc+put / kmem_cache_zalloc+free, tier %s" % fmt_size(s),
           ratio(get("kernel", "slab", "kpool", s), get("kernel", "slab", "zalloc", s)), "<=", 1.25)
for op in ("split", "slice", "dup"):
    target("%s: 1 MiB / 4 KiB" % op.upper(),
           ratio(get("user", "views", op, 1048576), get("user", "views", op, 4096)), "<=", 1.1)
for s in (256, 4096):
    target("ALLOC_BATCH+FREE_BATCH of 64, per buffer / one ALLOC+FREE, %s" % fmt_size(s),
           ratio(get("user", "batch", "batch-64", s), get("user", "alloc", "alloc+free", s)), "<=", 0.2)
target("anonymous mmap+touch+munmap / kpool ALLOC+mmap+touch+munmap+FREE, 64 KiB",
       ratio(get("user", "mmap", "anon-mmap", 65536), get("user", "mmap", "kpool", 65536)), ">=", 2.0)
for n in (256, 4096, 16384, 32768, 1048576):
    target("no cliff: ALLOC+FREE %d B / %d B" % (n + 1, n),
           ratio(get("user", "alloc", "alloc+free", n + 1), get("user", "alloc", "alloc+free", n)), "<=", 2.0)
one = get("user", "threads", "1-thread", 256)
target("2 threads on separate files: throughput / 1 thread",
       ratio(one, get("user", "threads", "2-separate", 256)), ">=", 1.8)
target("2 threads on one shared file: throughput / 1 thread",
       ratio(one, get("user", "threads", "2-shared", 256)), ">=", 1.6)
target("mixed, sizes >= 128 KiB: kpool ops/s / malloc+memset ops/s",
       ratio(get("user", "mixed", "malloc+memset@>=128K", 2097152),
             get("user", "mixed", "kpool@>=128K", 2097152)), ">=", 1.0)

print()
print("===== targets (measured ratios; reported, not asserted) =====")
npass = nmiss = 0
for name, value, op, limit in targets:
    if value is None:
        verdict, shown = "MISS", "no figure"
        nmiss += 1
    else:
        good = value <= limit if op == "<=" else value >= limit
        verdict, shown = ("PASS" if good else "MISS"), "%.2f" % value
        npass += good
        nmiss += not good
    print("  %-4s %8s  (want %s %.2f)  %s" % (verdict, shown, op, limit, name))
print("  %d PASS, %d MISS" % (npass, nmiss))
if any("heap alloc:on" in i for i in info):
    print("  note: this kernel zeroes every slab object and page it hands out (init_on_alloc,"
          " Debian's default): kmem_cache_alloc and alloc_pages zero too, and kpool's own"
          " zeroing comes on top of it")

# ------------------------------------------------------------------ files
status = 0
if errors or not kernel_done or not user_done:
    print()
    for e in errors:
        print("bench: ERROR " + e)
    if not kernel_done:
        print("bench: the kernel bench did not finish")
    if not user_done:
        print("bench: the user bench did not finish")
    status = 1

os.makedirs(outdir, exist_ok=True)
csv_path = os.path.join(outdir, "bench.csv")
targets_path = os.path.join(outdir, "targets.txt")
png_path = os.path.join(outdir, "bench.png")
with open(csv_path, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["side", "group", "row", "size", "median_ns", "min_ns", "max_ns", "spread_pct", "reps", "iters"])
    for key in order:
        r = rows[key]
        w.writerow([r["side"], r["group"], r["name"], r["size"], "%.1f" % r["median"], "%.1f" % r["min"],
                    "%.1f" % r["max"], "%.1f" % r["spread"], r["reps"], r["iters"]])
with open(targets_path, "w") as f:
    for name, value, op, limit in targets:
        good = value is not None and (value <= limit if op == "<=" else value >= limit)
        f.write("%s,%s,%s %.2f,%s\n" % ("PASS" if good else "MISS",
                                         "%.3f" % value if value is not None else "", op, limit, name))

# The plot: cost against size, log-log.
series = [
    ("user: kpool ALLOC+FREE", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("user", "alloc", "alloc+free")]),
    ("user: kpool ALLOC+mmap+touch+munmap+FREE", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("user", "mmap", "kpool")]),
    ("user: anon mmap+touch+munmap", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("user", "mmap", "anon-mmap")]),
    ("user: malloc+memset+free", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("user", "mmap", "malloc+memset")]),
    ("user: memfd+mmap+touch", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("user", "mmap", "memfd")]),
    ("user: vgem dumb+PRIME+mmap", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("user", "mmap", "vgem-prime")]),
    ("kernel: kpool_buf_alloc+put", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("kernel", "slab", "kpool")]),
    ("kernel: kmem_cache_alloc+free", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("kernel", "slab", "bare")]),
    ("kernel: kmem_cache_zalloc+free", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("kernel", "slab", "zalloc")]),
    ("kernel: kmalloc+kfree", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("kernel", "slab", "kmalloc")]),
    ("kernel: alloc_pages+free", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("kernel", "slab", "pages")]),
    ("kernel: memset", [(k[3], rows[k]["median"]) for k in order if k[:3] == ("kernel", "slab", "memset")]),
]
sizes = sorted({k[3] for k in rows if k[3] > 0})
if ni and sizes:
    series.append(("floor: null ioctl", [(sizes[0], ni), (sizes[-1], ni)]))
gp = get("user", "floor", "getppid", 0)
if gp and sizes:
    series.append(("floor: getppid", [(sizes[0], gp), (sizes[-1], gp)]))
series = [(t, sorted(p)) for t, p in series if p]
dat_path = os.path.join(outdir, "bench.dat")
with open(dat_path, "w") as f:
    for title, pts in series:
        f.write("# %s\n" % title)
        for s, v in pts:
            f.write("%d %.1f\n" % (s, v))
        f.write("\n\n")
gp_path = os.path.join(outdir, "bench.gp")
with open(gp_path, "w") as f:
    f.write('set terminal pngcairo size 1400,900 noenhanced\n')
    f.write('set output "%s"\n' % png_path)
    f.write('set title "kpool: cost per operation against size (QEMU TCG, -cpu %s; %s)"\n'
            % (cpu_model, time.strftime("%Y-%m-%d", time.gmtime())))
    f.write('set logscale xy\nset xlabel "size (bytes)"\nset ylabel "ns per operation (median)"\n')
    f.write('set key outside right top\nset grid\n')
    plots = []
    for i, (title, pts) in enumerate(series):
        style = "lines dashtype 2" if title.startswith("floor") else "linespoints"
        plots.append('"%s" index %d using 1:2 with %s title "%s"' % (dat_path, i, style, title))
    f.write("plot " + ", \\\n     ".join(plots) + "\n")
try:
    subprocess.run(["gnuplot", gp_path], check=True)
except (OSError, subprocess.CalledProcessError) as e:
    print("bench: gnuplot failed: %s" % e)
ok_files = all(os.path.getsize(p) > 0 for p in (csv_path, png_path) if os.path.exists(p)) and \
    os.path.exists(png_path) and os.path.exists(csv_path)
print()
if ok_files:
    print("bench: wrote %s, %s, %s" % (csv_path, png_path, targets_path))
else:
    print("bench: the CSV or the PNG was not written")
    status = status or 3
nrows = len(rows)
print("bench: %d rows measured, %d failed%s" % (nrows, len(errors),
      "" if kernel_done and user_done else " (a bench did not finish)"))
sys.exit(status)
