"""Case photos at /media/<path>.

The demo seed stores refs like "demo/06-1.svg" (category major 06, variant 1). Those images
are drawn here, deterministically: a street scene with the major's typical problem, circled
like an inspector's photo, and a caption. Any other path is a file under DATA_DIR/media.
"""
from __future__ import annotations

import random
import re
from functools import lru_cache

from flask import Response, abort, send_from_directory

from seeds.catalogue import MAJOR_NAMES

DEMO = re.compile(r"demo/(\d{2})-(\d{1,2})\.svg")
W, H = 640, 480
HORIZON, CURB = 300, 340  # y of the building line and of the kerb
FONT = "Microsoft YaHei, PingFang SC, Noto Sans CJK SC, sans-serif"


def _rect(x, y, w, h, fill, extra=""):
    return f'<rect x="{x:.0f}" y="{y:.0f}" width="{w:.0f}" height="{h:.0f}" fill="{fill}" {extra}/>'


def _buildings(rng: random.Random) -> list[str]:
    parts, x = [], -10
    while x < W:
        w, h = rng.randint(70, 140), rng.randint(110, 250)
        tone = rng.choice(["#8fa3b8", "#a7b4c2", "#7d8ea3", "#b9c2cc", "#9aa9a0"])
        parts.append(_rect(x, HORIZON - h, w, h, tone))
        for wy in range(HORIZON - h + 14, HORIZON - 20, 26):
            for wx in range(x + 10, x + w - 16, 22):
                lit = "#e8eef5" if rng.random() < 0.7 else "#5d6d80"
                parts.append(_rect(wx, wy, 12, 14, lit))
        x += w + rng.randint(0, 12)
    return parts


def _street() -> list[str]:
    return [
        _rect(0, HORIZON, W, CURB - HORIZON, "#c9c3b6"),  # pavement
        _rect(0, CURB, W, 8, "#8c8c8c"),  # kerb
        _rect(0, CURB + 8, W, H - CURB - 8, "#55595e"),  # road
        *[_rect(x, 420, 50, 8, "#f2f2f2") for x in range(20, W, 110)],
    ]


def _subject(major: str, rng: random.Random) -> tuple[list[str], tuple[int, int, int]]:
    """The problem in the picture, and the circle (cx, cy, r) around it."""
    x = rng.randint(180, 420)
    if major in ("01", "05"):  # a broken manhole cover and a leaning street lamp
        return [f'<ellipse cx="{x}" cy="395" rx="46" ry="16" fill="#2b2b2b" stroke="#777" stroke-width="4"/>',
                f'<path d="M{x - 30} 388 l25 12 l-8 6 z" fill="#777"/>',
                _rect(x + 110, 150, 8, 190, "#4a5560", f'transform="rotate(8 {x + 114} 340)"'),
                f'<circle cx="{x + 100}" cy="150" r="12" fill="#fff6c2"/>'], (x, 395, 70)
    if major == "02":  # a bent traffic sign
        return [_rect(x, 200, 8, 140, "#6b7682", f'transform="rotate(-14 {x + 4} 340)"'),
                f'<circle cx="{x - 30}" cy="205" r="30" fill="#ffffff" stroke="#d02b2b" stroke-width="9"/>',
                _rect(x - 160, 318, 140, 10, "#c8ccd0")], (x - 20, 250, 95)
    if major in ("03", "06"):  # an overflowing bin and litter
        parts = [_rect(x, 270, 56, 72, "#2e7d4f", 'rx="6"'), _rect(x - 4, 262, 64, 12, "#245f3d", 'rx="4"')]
        for _ in range(9):
            bx, by = x + rng.randint(-70, 110), 330 + rng.randint(-8, 14)
            parts.append(f'<ellipse cx="{bx}" cy="{by}" rx="{rng.randint(10, 20)}" ry="{rng.randint(6, 12)}" '
                         f'fill="{rng.choice(["#f0f0f0", "#3b3b3b", "#d9c27a", "#6aa0d8"])}"/>')
        return parts, (x + 25, 310, 100)
    if major == "04":  # trees with a broken branch
        parts = []
        for tx in (x - 120, x, x + 120):
            parts += [_rect(tx - 7, 230, 14, 110, "#6b4a2f"),
                      f'<circle cx="{tx}" cy="215" r="{rng.randint(42, 56)}" fill="#3f8f45"/>']
        parts.append(f'<path d="M{x + 10} 330 l70 -20 l6 10 l-70 20 z" fill="#6b4a2f"/>')
        return parts, (x + 40, 320, 70)
    if major == "07":  # an illegal banner on a pole
        return [_rect(x, 170, 6, 170, "#5a5a5a"), _rect(x + 80, 170, 6, 170, "#5a5a5a"),
                _rect(x + 6, 180, 74, 40, "#d8332b"),
                f'<text x="{x + 43}" y="207" font-size="18" fill="#ffe46b" text-anchor="middle" '
                f'font-family="{FONT}">广告</text>'], (x + 43, 220, 80)
    if major == "08":  # a construction barrier and spilt mud
        parts = [f'<path d="M{x - 60} 345 q60 -50 150 0 z" fill="#8a6a45"/>', _rect(x - 96, 296, 6, 46, "#777"),
                 _rect(x + 130, 296, 6, 46, "#777")]
        for i in range(4):
            parts.append(_rect(x - 100 + i * 60, 280, 56, 18, "#f5c400" if i % 2 else "#222"))
        return parts, (x, 320, 100)
    if major == "09":  # a street stall under an umbrella
        fruit = [f'<circle cx="{x + 15 + i * 20}" cy="285" r="8" fill="#f29d38"/>' for i in range(4)]
        return [_rect(x, 290, 90, 50, "#b5651d"), f'<path d="M{x - 20} 250 q65 -60 130 0 z" fill="#e03c31"/>',
                _rect(x + 43, 250, 4, 40, "#555"), *fruit], (x + 45, 290, 90)
    # anything else: a traffic cone marking the spot
    cone = [f'<path d="M{x} 340 l18 -50 l18 50 z" fill="#ff7a1a"/>', _rect(x + 6, 312, 24, 6, "#fff")]
    return cone, (x + 18, 320, 60)


@lru_cache(maxsize=64)
def demo_svg(major: str, variant: int) -> str:
    """The demo photo of a category major; the same arguments give the same image."""
    rng = random.Random(f"{major}-{variant}")
    subject, (cx, cy, r) = _subject(major, rng)
    caption = f"演示照片 · {MAJOR_NAMES.get(major, major)} · {variant}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}">',
        '<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{rng.choice(["#7fb2e0", "#9cc4e8", "#b8c9d9"])}"/>'
        '<stop offset="1" stop-color="#e4eef6"/></linearGradient></defs>',
        _rect(0, 0, W, HORIZON, "url(#sky)"),
        *_buildings(rng), *_street(), *subject,
        f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="#ff2d2d" stroke-width="5" stroke-dasharray="14 8"/>',
        _rect(0, H - 44, W, 44, "rgba(0,0,0,0.6)"),
        f'<text x="16" y="{H - 15}" font-size="22" fill="#ffffff" font-family="{FONT}">{caption}</text>',
        "</svg>",
    ]
    return "".join(parts)


def add_media_route(server):
    from dashboard.app import current_settings

    @server.get("/media/<path:path>")
    def media(path: str):
        match = DEMO.fullmatch(path)
        if match:
            if match.group(1) not in MAJOR_NAMES:
                abort(404)
            return Response(demo_svg(match.group(1), int(match.group(2))), mimetype="image/svg+xml",
                            headers={"Cache-Control": "public, max-age=86400"})
        return send_from_directory(current_settings().media_dir, path)  # 404 for missing files and path traversal
