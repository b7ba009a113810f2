"""Street scenes for the demo cameras, drawn offline with PIL (no downloaded footage).

Each camera code gives a deterministic scene seen through a pinhole camera at the camera's
height: a street with lanes, sidewalks, trees, street lamps and buildings on both sides, a
skyline at the end, and (for intersection and AI cameras) a zebra crossing. Vehicles drive on
the right (away from the camera on the right-hand lanes, towards it on the left) and people
walk the sidewalks and the crossing. The light follows the local hour: day, dusk, night with
lit windows, lamps and headlights.

`Scene(code, kind).frame(t, hour)` draws the frame at `t` seconds (any clock) for a local hour
of the day. Motion is periodic with PERIOD seconds, so a clip of PERIOD seconds loops without a
jump, and live frames (t = the server clock) move on continuously.
"""
from __future__ import annotations

import hashlib
import math
import random
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

W, H = 640, 360
PERIOD = 12.0  # seconds: every motion repeats after this
FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")

# camera height (m), horizon (share of the frame height), focal length (px) by camera kind
OPTICS = {"high_point": (16.0, 0.26, 560), "intersection": (6.5, 0.36, 520), "ai": (5.5, 0.38, 500),
          "body_cam": (1.6, 0.50, 420)}
FACADES = [(196, 188, 172), (150, 162, 176), (214, 206, 190), (120, 132, 150), (178, 150, 128),
           (200, 200, 204), (140, 120, 110), (168, 180, 168), (96, 108, 128), (222, 214, 200)]
CAR_COLOURS = [(235, 235, 235), (30, 30, 34), (160, 164, 170), (190, 30, 36), (30, 70, 150), (240, 240, 240),
               (60, 60, 66), (200, 200, 205), (120, 20, 24), (245, 200, 40), (40, 110, 70), (235, 235, 235)]
CLOTHES = [(40, 60, 110), (200, 60, 60), (230, 230, 230), (40, 40, 40), (90, 140, 80), (220, 170, 60),
           (120, 80, 150), (70, 120, 170)]


@lru_cache(maxsize=8)
def font(size: int):
    try:
        return ImageFont.truetype(str(FONT), size) if FONT.exists() else ImageFont.load_default(size)
    except OSError:
        return ImageFont.load_default()


def daylight(hour: float) -> float:
    """1 in full day, 0 at night, a ramp at dawn (5:30–7:00) and dusk (18:00–19:30)."""
    hour %= 24
    if 7 <= hour < 18:
        return 1.0
    if 5.5 <= hour < 7:
        return (hour - 5.5) / 1.5
    if 18 <= hour < 19.5:
        return 1 - (hour - 18) / 1.5
    return 0.0


def _mix(a, b, share: float):
    return tuple(round(x + (y - x) * share) for x, y in zip(a, b))


def _shade(colour, factor: float):
    return tuple(max(0, min(255, int(c * factor))) for c in colour)


class Scene:
    """One camera's street (deterministic by code)."""

    def __init__(self, code: str, kind: str = "intersection"):
        self.code = code
        self.kind = kind if kind in OPTICS else "intersection"
        seed = int.from_bytes(hashlib.sha1(code.encode()).digest()[:8], "big")
        rng = random.Random(seed)
        self.hc, horizon, self.f = OPTICS[self.kind]
        self.hy = H * (horizon + rng.uniform(-0.03, 0.03))
        self.vx = W * rng.uniform(0.36, 0.64)
        self.lanes = rng.choice((2, 2, 3)) if self.kind != "high_point" else rng.choice((3, 4))  # per direction
        self.lane_w = 3.5
        self.road = self.lanes * self.lane_w  # half width
        self.walk = rng.uniform(3.5, 5.5)      # sidewalk width
        self.front = self.road + self.walk + 0.5
        self.crossing = self.kind in ("intersection", "ai")
        self.near = self.f * self.hc / (H - self.hy)  # distance seen at the bottom row
        self.cross_d = self.near * 1.15
        self.trees = rng.random() < 0.8
        self.shake = self.kind == "body_cam"
        self.buildings = {side: self._street_wall(rng) for side in (-1, 1)}
        self.skyline = [(rng.uniform(-160, 160), rng.uniform(14, 40), rng.uniform(25, 110), rng.choice(FACADES),
                         rng.random()) for _ in range(16)]
        self.vehicles = self._vehicles(rng)
        self.people = self._people(rng)
        self.lamp_every = rng.choice((24, 30, 36))
        self.tree_every = rng.choice((9, 11, 13))
        self.lit = rng.random

    # ---- layout

    def _street_wall(self, rng):
        out, d = [], self.near * 0.4
        while d < 320:
            length = rng.uniform(14, 42)
            height = rng.uniform(9, 28) if rng.random() < 0.6 else rng.uniform(30, 90)
            out.append((d, d + length, height, rng.choice(FACADES), rng.random(), rng.randrange(1 << 30)))
            d += length + rng.choice((0, 0, 3, 6))
        return out

    def _vehicles(self, rng):
        out = []
        for lane in range(self.lanes):
            for side in (-1, 1):
                count, base = rng.choice((1, 2, 2, 3)), rng.random()
                for i in range(count):  # spread over the loop, so vehicles of a lane never overlap
                    kind = rng.choices(("car", "bus", "truck", "van"), (14, 2, 2, 3))[0]
                    length, width, height = {"car": (4.6, 1.85, 1.45), "bus": (12, 2.5, 3.2),
                                             "truck": (8, 2.4, 3.0), "van": (5.2, 1.95, 2.1)}[kind]
                    colour = (30, 120, 200) if kind == "bus" else rng.choice(CAR_COLOURS)
                    out.append({"lane": lane, "side": side, "phase": (base + i / count) % 1.0, "laps": 1,
                                "len": length, "w": width, "h": height, "colour": colour, "kind": kind,
                                "offset": rng.uniform(-0.3, 0.3)})
        return out

    def _people(self, rng):
        out = []
        for side in (-1, 1):
            for _ in range(rng.randint(2, 5)):
                out.append({"mode": "walk", "side": side, "x": self.road + rng.uniform(0.8, self.walk - 0.6),
                            "d0": rng.uniform(self.near * 0.9, 70), "span": rng.uniform(5, 9), "phase": rng.random(),
                            "shirt": rng.choice(CLOTHES), "legs": rng.choice(CLOTHES[:4]), "h": rng.uniform(1.55, 1.85)})
        if self.crossing:
            for _ in range(rng.randint(2, 4)):
                out.append({"mode": "cross", "side": rng.choice((-1, 1)), "d": self.cross_d + rng.uniform(0.5, 3.5),
                            "phase": rng.random(), "shirt": rng.choice(CLOTHES), "legs": rng.choice(CLOTHES[:4]),
                            "h": rng.uniform(1.55, 1.85)})
        return out

    # ---- projection: X across (m, right positive), Y up (m), d ahead (m)

    def p(self, x, y, d, dx=0.0):
        return self.vx + dx + self.f * x / d, self.hy + self.f * (self.hc - y) / d

    def quad(self, draw, corners, fill, outline=None):
        pts = [self.p(*c) for c in corners]
        draw.polygon(pts, fill=fill, outline=outline)

    # ---- the still part, at a daylight level

    def background(self, light: float) -> Image.Image:
        return _background(self.code, self.kind, round(light * 8) / 8)

    def _draw_background(self, light: float) -> Image.Image:
        img = Image.new("RGB", (W, H))
        d = ImageDraw.Draw(img)
        top_day, low_day = (96, 150, 214), (190, 214, 236)
        top_night, low_night = (6, 10, 26), (28, 34, 60)
        dusk = max(0.0, 1 - abs(light - 0.45) * 3)  # an orange band at dusk and dawn
        for y in range(int(self.hy) + 2):
            share = y / max(self.hy, 1)
            sky = _mix(_mix(top_night, top_day, light), _mix(low_night, low_day, light), share)
            sky = _mix(sky, (236, 140, 80), dusk * share * 0.6)
            d.line([(0, y), (W, y)], fill=sky)
        ground = _shade((70, 74, 78), 0.35 + 0.65 * light)
        d.rectangle([0, int(self.hy), W, H], fill=ground)
        rng = random.Random(self.code)
        # skyline at the street's end
        for x, width, height, colour, _lit in sorted(self.skyline, key=lambda s: -s[2]):
            self.quad(d, [(x, 0, 420), (x + width, 0, 420), (x + width, height, 420), (x, height, 420)],
                      _mix(_shade(colour, 0.55 + 0.35 * light), _mix(top_night, low_day, light), 0.45))
        # road, sidewalks, kerbs
        far = 600
        asphalt = _shade((58, 60, 64), 0.35 + 0.65 * light)
        walk = _shade((150, 146, 138), 0.3 + 0.7 * light)
        for side in (-1, 1):
            self.quad(d, [(side * self.road, 0, 0.6), (side * (self.road + self.walk + 30), 0, 0.6),
                          (side * (self.road + self.walk + 30), 0, far), (side * self.road, 0, far)], walk)
        self.quad(d, [(-self.road, 0, 0.6), (self.road, 0, 0.6), (self.road, 0, far), (-self.road, 0, far)], asphalt)
        for side in (-1, 1):
            self.quad(d, [(side * self.road, 0, 0.6), (side * (self.road + 0.25), 0, 0.6),
                          (side * (self.road + 0.25), 0, far), (side * self.road, 0, far)], _shade(walk, 1.15))
        paint = _shade((236, 236, 230), 0.45 + 0.55 * light)
        yellow = _shade((240, 196, 40), 0.45 + 0.55 * light)
        for off in (-0.12, 0.12):  # the double yellow centre line
            self.quad(d, [(off - 0.07, 0, 0.6), (off + 0.07, 0, 0.6), (off + 0.07, 0, far), (off - 0.07, 0, far)], yellow)
        start = self.cross_d + 5 if self.crossing else 0.6
        for lane in range(1, self.lanes):  # dashed lane lines, 6 m paint every 15 m
            for side in (-1, 1):
                x = side * lane * self.lane_w
                z = start
                while z < 260:
                    self.quad(d, [(x - 0.08, 0, z), (x + 0.08, 0, z), (x + 0.08, 0, z + 6), (x - 0.08, 0, z + 6)], paint)
                    z += 15
        if self.crossing:  # zebra crossing and stop lines
            z0, z1 = self.cross_d, self.cross_d + 4.5
            x = -self.road
            while x < self.road:
                self.quad(d, [(x, 0, z0), (x + 0.5, 0, z0), (x + 0.5, 0, z1), (x, 0, z1)], paint)
                x += 1.0
            for z in (z0 - 1.5, z1 + 1.5):
                self.quad(d, [(-self.road, 0, z), (self.road, 0, z), (self.road, 0, z + 0.3), (-self.road, 0, z + 0.3)],
                          paint)
        # buildings, far to near on each side
        for side in (-1, 1):
            for d0, d1, height, colour, lit, seed in reversed(self.buildings[side]):
                self._building(d, side, d0, d1, height, colour, lit, seed, light)
        # trees and lamps, far to near
        items = []
        if self.trees:
            z = self.near * 0.6 + rng.uniform(0, 4)
            while z < 200:
                items += [(z, "tree", -1), (z + 2, "tree", 1)]
                z += self.tree_every
        z = self.near * 0.7
        while z < 240:
            items += [(z, "lamp", -1), (z + self.lamp_every / 2, "lamp", 1)]
            z += self.lamp_every
        for z, what, side in sorted(items, reverse=True):
            (self._tree if what == "tree" else self._lamp)(d, side, z, light)
        return img

    def _building(self, d, side, d0, d1, height, colour, lit, seed, light):
        x = side * self.front
        face = _shade(colour, (0.3 + 0.55 * light) * (0.92 if side < 0 else 1.0))
        # the end wall facing the camera, then the facade along the street
        self.quad(d, [(x, 0, d0), (x + side * 40, 0, d0), (x + side * 40, height, d0), (x, height, d0)],
                  _shade(face, 1.08))
        self.quad(d, [(x, 0, d0), (x, 0, d1), (x, height, d1), (x, height, d0)], face)
        rng = random.Random(seed)
        floors = max(1, int((height - 1) // 3.4))
        bays = max(1, int((d1 - d0) // 3.6))
        glass_day = _shade((70, 96, 128), 0.4 + 0.6 * light)
        warm = (255, 214, 130)
        for b in range(bays):
            z0 = d0 + 0.8 + b * (d1 - d0 - 1.6) / bays
            z1 = z0 + (d1 - d0 - 1.6) / bays * 0.62
            px0, _ = self.p(x, 0, z0)
            px1, _ = self.p(x, 0, z1)
            if abs(px1 - px0) < 1.2:
                continue
            for fl in range(floors):
                y0 = 1.2 + fl * 3.4
                on = rng.random() < 0.25 + 0.35 * lit
                pane = _mix(warm, glass_day, light) if on else _shade(glass_day, 0.9 if light else 0.5)
                if fl == 0 and rng.random() < 0.5:  # shop fronts on the ground floor
                    pane = _mix((255, 236, 190), _shade((90, 110, 130), 1), light)
                self.quad(d, [(x, y0, z0), (x, y0, z1), (x, y0 + 2.0, z1), (x, y0 + 2.0, z0)], pane)

    def _tree(self, d, side, z, light):
        x = side * (self.road + 1.2)
        bx, by = self.p(x, 0, z)
        tx, ty = self.p(x, 3.2, z)
        r = self.f * 1.9 / z
        trunk = max(1, self.f * 0.18 / z)
        d.rectangle([bx - trunk, ty, bx + trunk, by], fill=_shade((70, 52, 36), 0.3 + 0.7 * light))
        green = _shade((52, 112, 58), 0.25 + 0.75 * light)
        d.ellipse([tx - r, ty - r * 1.5, tx + r, ty + r * 0.3], fill=green)
        d.ellipse([tx - r * 0.55, ty - r * 1.4, tx + r * 0.35, ty - r * 0.5], fill=_shade(green, 1.2))

    def _lamp(self, d, side, z, light):
        x = side * (self.road + 0.5)
        bx, by = self.p(x, 0, z)
        tx, ty = self.p(x, 8, z)
        hx, hy = self.p(x - side * 1.8, 8, z)
        width = max(1, int(self.f * 0.12 / z))
        pole = _shade((120, 126, 134), 0.35 + 0.65 * light)
        d.line([(bx, by), (tx, ty)], fill=pole, width=width)
        d.line([(tx, ty), (hx, hy)], fill=pole, width=width)
        if light < 0.6:
            r = max(1.5, self.f * 0.35 / z)
            glow = _mix((255, 226, 150), (200, 200, 190), light)
            d.ellipse([hx - r, hy - r * 0.6, hx + r, hy + r * 0.6], fill=glow)
            pool = self.f * 3.5 / z
            gx, gy = self.p(x - side * 1.8, 0, z)
            d.ellipse([gx - pool, gy - pool * 0.18, gx + pool, gy + pool * 0.18],
                      fill=_mix((104, 96, 80), (70, 74, 78), light))

    # ---- the moving part

    def frame(self, t: float, hour: float) -> Image.Image:
        light = daylight(hour)
        img = self.background(light).copy()
        d = ImageDraw.Draw(img)
        u = (t % PERIOD) / PERIOD
        things = []
        far, near = 300.0, self.near * 0.55
        for v in self.vehicles:
            s = (v["phase"] + v["laps"] * u) % 1.0
            # right-hand traffic: the right side drives away, the left side comes towards the camera
            z = near + (far - near) * (s if v["side"] > 0 else 1 - s) ** 1.6
            x = v["side"] * (v["lane"] + 0.5) * self.lane_w + v["offset"]
            things.append((z, "car", v, x))
        for person in self.people:
            s = (person["phase"] + u) % 1.0
            tri = 2 * s if s < 0.5 else 2 - 2 * s  # walk there and back: continuous over the loop
            if person["mode"] == "walk":
                z = person["d0"] + person["span"] * tri
                x = person["side"] * person["x"]
            else:
                z = person["d"]
                x = person["side"] * (-self.road - 3 + (2 * self.road + 6) * s)
            things.append((z, "person", person, (x, s)))
        for z, what, item, x in sorted(things, key=lambda th: -th[0]):
            if what == "car":
                self._vehicle(d, item, x, z, light)
            else:
                self._person(d, item, x[0], z, x[1], light)
        if self.shake:  # a body camera moves with its wearer
            dx = int(3 * math.sin(t * 2.1)), int(2 * math.sin(t * 3.3 + 1))
            img = img.transform(img.size, Image.AFFINE, (1, 0, dx[0], 0, 1, dx[1]), fillcolor=(0, 0, 0))
        return img

    def _vehicle(self, d, v, x, z, light):
        if z < 0.5:
            return
        w, h, length = v["w"], v["h"], v["len"]
        colour = _shade(v["colour"], 0.35 + 0.65 * light)
        towards = v["side"] < 0
        near_z, far_z = z, z + length
        left, right = x - w / 2, x + w / 2
        top = _shade(colour, 1.12)
        side_c = _shade(colour, 0.72)
        # the side facing the road's centre, the roof, then the end facing the camera
        sx = right if x < 0 else left
        self.quad(d, [(sx, 0.3, near_z), (sx, 0.3, far_z), (sx, h, far_z), (sx, h, near_z)], side_c)
        self.quad(d, [(left, h, near_z), (right, h, near_z), (right, h, far_z), (left, h, far_z)], top)
        self.quad(d, [(left, 0.3, near_z), (right, 0.3, near_z), (right, h, near_z), (left, h, near_z)], colour)
        if v["kind"] in ("car", "van"):  # a glass band: windscreen or rear window
            self.quad(d, [(left + 0.15, h * 0.62, near_z), (right - 0.15, h * 0.62, near_z),
                          (right - 0.2, h * 0.95, near_z), (left + 0.2, h * 0.95, near_z)],
                      _shade((40, 52, 66), 0.5 + 0.5 * light))
        elif v["kind"] == "bus":
            self.quad(d, [(left + 0.1, h * 0.45, near_z), (right - 0.1, h * 0.45, near_z),
                          (right - 0.1, h * 0.85, near_z), (left + 0.1, h * 0.85, near_z)], (36, 50, 64))
        # wheels' shadow
        self.quad(d, [(left, 0, near_z), (right, 0, near_z), (right, 0.3, near_z), (left, 0.3, near_z)], (18, 18, 20))
        lamp_y = 0.55 if v["kind"] == "car" else 0.7
        r = max(1.0, self.f * (0.16 if light < 0.5 else 0.11) / z)
        lamp = (255, 250, 220) if towards else (230, 30, 30)
        if light >= 0.5:
            lamp = (240, 240, 230) if towards else (170, 20, 20)
        for lx in (left + 0.3, right - 0.3):
            px, py = self.p(lx, lamp_y, near_z)
            d.ellipse([px - r, py - r * 0.7, px + r, py + r * 0.7], fill=lamp)

    def _person(self, d, p, x, z, s, light):
        if z < 0.8:
            return
        h = p["h"]
        fx, fy = self.p(x, 0, z)
        hx, hy = self.p(x, h, z)
        scale = self.f / z
        if fy - hy < 2:
            return
        body_w = 0.45 * scale
        step = math.sin(s * math.tau * 7) * 0.22 * scale
        legs = _shade(p["legs"], 0.35 + 0.65 * light)
        hip = fy - 0.85 * scale
        d.line([(fx, hip), (fx - step, fy)], fill=legs, width=max(1, int(0.16 * scale)))
        d.line([(fx, hip), (fx + step, fy)], fill=legs, width=max(1, int(0.16 * scale)))
        d.rectangle([fx - body_w / 2, hy + 0.22 * scale, fx + body_w / 2, hip], fill=_shade(p["shirt"], 0.35 + 0.65 * light))
        r = 0.12 * scale
        d.ellipse([hx - r, hy, hx + r, hy + 2 * r], fill=_shade((214, 176, 140), 0.35 + 0.65 * light))


@lru_cache(maxsize=512)
def _scene(code: str, kind: str) -> Scene:
    return Scene(code, kind)


@lru_cache(maxsize=256)
def _background(code: str, kind: str, light: float) -> Image.Image:
    return _scene(code, kind)._draw_background(light)


def scene(code: str, kind: str = "intersection") -> Scene:
    return _scene(code, kind if kind in OPTICS else "intersection")


def osd(img: Image.Image, lines: list[str], size: int = 20) -> Image.Image:
    """On-screen text at the bottom left, white with a dark outline, as camera OSDs draw it."""
    d = ImageDraw.Draw(img)
    y = H - 12
    for text in reversed(lines):
        box = d.textbbox((0, 0), text, font=font(size), stroke_width=2)
        y -= box[3] - box[1] + 6
        d.text((14, y), text, font=font(size), fill=(255, 255, 255), stroke_width=2, stroke_fill=(0, 0, 0))
    return img
