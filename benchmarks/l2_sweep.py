"""ResNet-50's energy against the L2 size: a visible optimum from L2 spill below and SRAM access energy above.

Usage: python benchmarks/l2_sweep.py [--out docs/images/l2_sweep.png]

Analyses the shipped resnet50_kcp_ws mapping on accelerator_256pe with L2 sizes from 1 KiB to 4 MiB
(16-bit elements, doubling), every design priced with the horowitz45 table (an L2 access costs more the
larger the SRAM). Below the layers' L2 requirement the tensors that do not fit bypass L2 and their traffic
goes to DRAM (docs/energy.md, Energy that adds up). Prints the energy per component, the total and the
L2's SRAM area, and plots them with the minimum marked.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mapscope import api
from mapscope.formats.energy_table_file import load_energy_table
from mapscope.formats.sources import build_accelerator
from mapscope.hardware.energy_lookup import access_energies
from mapscope.report.figures import figure_bytes, new_figure

COMPONENTS = ("mac", "l1", "l2", "noc", "dram")
L2_SIZES_KIB = tuple(2**i for i in range(13))  # 1 KiB ... 4 MiB
BYTES_PER_ELEM = 2  # accelerator_256pe's 16-bit words


def sweep() -> list[dict[str, float]]:
    """One row per L2 size: the network's energy per component and in total (µJ), and the L2 area (mm²)."""
    table = load_energy_table("horowitz45")
    rows = []
    for kib in L2_SIZES_KIB:
        accelerator = build_accelerator("accelerator_256pe", {"l2_size_elems": kib * 1024 // BYTES_PER_ELEM})
        prices = access_energies(table, accelerator)
        stats = api.analyze("resnet50_kcp_ws", accelerator, energy_table=prices.engine_table())
        row: dict[str, float] = {"l2_kib": kib}
        for name in COMPONENTS:
            row[f"{name}_uj"] = sum(getattr(layer, f"{name}_energy_pj") for layer in stats.layers) / 1e6
        row["total_uj"] = sum(row[f"{name}_uj"] for name in COMPONENTS)
        row["l2_area_mm2"] = (prices.l2_area_um2 or 0.0) / 1e6
        row["spilling_layers"] = sum(layer.l2_size_req_elems > accelerator.l2_size_elems for layer in stats.layers)
        rows.append(row)
    return rows


def plot(rows: list[dict[str, float]], out: Path) -> None:
    """Stacked energy per component against the L2 size (log), the total's minimum marked."""
    figure = new_figure(7.0, 4.0)
    axes = figure.add_subplot()
    sizes = [row["l2_kib"] for row in rows]
    axes.stackplot(sizes, *[[row[f"{name}_uj"] / 1e3 for row in rows] for name in COMPONENTS], labels=["MAC", "L1", "L2", "NoC", "DRAM"], alpha=0.8)
    best = min(rows, key=lambda row: row["total_uj"])
    axes.plot(best["l2_kib"], best["total_uj"] / 1e3, marker="v", color="black", markersize=9, linestyle="none")
    axes.annotate(f"minimum: {best['l2_kib']} KiB, {best['total_uj'] / 1e3:.1f} mJ", (best["l2_kib"], best["total_uj"] / 1e3), textcoords="offset points", xytext=(10, 14))
    axes.set_xscale("log", base=2)
    axes.set_xticks(sizes, [f"{s} KiB" if s < 1024 else f"{s // 1024} MiB" for s in sizes], rotation=45)
    axes.set_xlabel("L2 size (accelerator_256pe, 16-bit elements)")
    axes.set_ylabel("energy (mJ)")
    axes.set_ylim(0, 1.15 * max(row["total_uj"] for row in rows) / 1e3)
    axes.set_title("ResNet-50 (resnet50_kcp_ws) energy vs L2 size, horowitz45 table")
    axes.legend(loc="upper right", ncols=5, fontsize="small")
    out.write_bytes(figure_bytes(figure, "png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images/l2_sweep.png"))
    args = parser.parse_args()
    rows = sweep()
    print(f"{'L2':>8} {'MAC':>8} {'L1':>8} {'L2':>8} {'NoC':>8} {'DRAM':>9} {'total':>9} {'L2 area':>8} {'spilling':>8}")
    print(f"{'KiB':>8} {'uJ':>8} {'uJ':>8} {'uJ':>8} {'uJ':>8} {'uJ':>9} {'uJ':>9} {'mm2':>8} {'layers':>8}")
    for row in rows:
        print(
            f"{row['l2_kib']:>8} {row['mac_uj']:>8.0f} {row['l1_uj']:>8.0f} {row['l2_uj']:>8.0f} {row['noc_uj']:>8.0f} "
            f"{row['dram_uj']:>9.0f} {row['total_uj']:>9.0f} {row['l2_area_mm2']:>8.3f} {row['spilling_layers']:>8}"
        )
    best = min(rows, key=lambda row: row["total_uj"])
    print(f"minimum: L2 = {best['l2_kib']} KiB, {best['total_uj']:.0f} uJ")
    plot(rows, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
