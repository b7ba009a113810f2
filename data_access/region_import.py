"""`cockpit import-regions FILE.geojson`: a jurisdiction's regions (镇街) from real-world GeoJSON.

The file is a FeatureCollection of Polygons and MultiPolygons (UTF-8, with or without BOM, or
GB18030), in WGS-84 or GCJ-02 (converted to WGS-84, which the database stores). The code and
name of each region come from the first property, in CODE_NAMES / NAME_NAMES order, that the
file's features carry (compared lower-case without spaces), or from the named properties.

Each feature is repaired where it can be, and each repair is reported: unclosed rings are
closed, repeated points dropped, rings with fewer than 4 points or no area dropped, and an
invalid geometry (a self-intersection, a bow-tie) made valid with shapely's make_valid, keeping
its polygons. A feature that can't be used is rejected with its reason; the others are written.

A region whose code exists is updated in place (name, geometry, label point, area), so cases
keep pointing at it. Every created or updated region then gets its communities and unit grids
regenerated as the demo seed makes them (seeds.city: ~2 km community cells and ~0.5 km grid cells
clipped to the region): a grid or community that a case points at is never deleted but kept as it
is, and the new cells fill the rest of the region around the kept grids. A created region also
gets its 镇街 department (as in the seed), so its cases can be dispatched.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.validation import explain_validity
from sqlalchemy import func, select

from . import cases as case_writes
from . import db
from .geo import gcj02_to_wgs84, transform_geometry
from .models import Case, Community, Department, Grid, Jurisdiction, Region

ENCODINGS = ("utf-8-sig", "gb18030")
CRSES = ("WGS84", "GCJ02")
CODE_LENGTH = 9  # 镇/街道 division code
EARTH_RADIUS_KM = 6371.0072  # the authalic radius, for areas on the sphere
# field → the property names it is recognised by, in order of preference
CODE_NAMES = ("code", "adcode", "region_code", "regioncode", "town_code", "towncode", "编码", "代码",
              "区划代码", "行政区划代码", "镇街编码", "镇街代码", "xzqhdm", "xzqdm", "gb", "id")
NAME_NAMES = ("name", "name_zh", "名称", "镇街", "镇街名称", "镇街名", "region_name", "town_name",
              "townname", "乡镇", "乡镇名称", "街道", "xzqmc", "mc")
NAME_EN_NAMES = ("name_en", "ename", "english_name", "英文名", "英文名称")
KIND_NAMES = ("kind", "类型", "类别")
KINDS = ("镇", "街道")
NAME_LENGTH = 64


class RegionFileError(ValueError):
    """A file that can't be imported at all: unreadable, not a FeatureCollection, no codes or names,
    an unknown jurisdiction."""


@dataclass
class Note:
    feature: int  # 1-based position in the file
    label: str  # code and name, as far as known
    reason: str


@dataclass
class RegionReport:
    total: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    repaired: list[Note] = field(default_factory=list)
    rejected: list[Note] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)  # field → property name
    communities_kept: int = 0  # of imported regions, kept because cases point at them
    grids_kept: int = 0
    communities_created: int = 0
    grids_created: int = 0
    communities_removed: int = 0
    grids_removed: int = 0
    departments_created: list[str] = field(default_factory=list)
    jurisdiction_created: bool = False


class Rejected(ValueError):
    """A feature that can't be used; its message is the reason."""


def _key(name) -> str:
    return re.sub(r"\s+", "", str(name)).lower()


def read_collection(path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection file."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RegionFileError(f"{path}: {exc.strerror or exc}") from None
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise RegionFileError(f"{path}: neither UTF-8 nor GB18030 text")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RegionFileError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise RegionFileError(f"{path}: not a GeoJSON FeatureCollection")
    if not data["features"]:
        raise RegionFileError(f"{path}: the FeatureCollection has no features")
    return data["features"]


def _properties(feature) -> dict:
    """A feature's properties, keyed lower-case without spaces; the feature's id counts as `id`."""
    if not isinstance(feature, dict):
        return {}
    props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
    found = {"id": feature["id"]} if feature.get("id") is not None else {}
    found.update({_key(k): v for k, v in props.items() if v is not None and str(v).strip()})
    return found


def choose_property(all_props: list[dict], names, override: str | None, what: str) -> str | None:
    """The property naming `what` in this file: `override`, or the first of `names` present."""
    if override:
        if not any(_key(override) in props for props in all_props):
            raise RegionFileError(f"no feature has the {what} property {override!r}")
        return _key(override)
    return next((name for name in names if any(name in props for props in all_props)), None)


def region_code(value, jurisdiction: str) -> str:
    """A 9-digit 镇街 code (a 12-digit one ending in 000 is shortened) inside the jurisdiction."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    code = str(value).strip()
    if len(code) == 12 and code.endswith("000"):
        code = code[:CODE_LENGTH]
    if not (code.isascii() and code.isdigit() and len(code) == CODE_LENGTH):
        raise Rejected(f"code {code!r} is not a {CODE_LENGTH}-digit division code")
    if not code.startswith(jurisdiction):
        raise Rejected(f"code {code} is not inside jurisdiction {jurisdiction}")
    return code


def _clean_ring(ring, notes: list[str], where: str) -> list[tuple[float, float]] | None:
    """The ring's positions as (lon, lat), closed, without repeated points; None when degenerate."""
    if not isinstance(ring, list):
        raise Rejected(f"{where}: a ring is not a list of positions")
    points = []
    for position in ring:
        if not (isinstance(position, list) and len(position) >= 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                        for v in position[:2])):
            raise Rejected(f"{where}: bad position {json.dumps(position, ensure_ascii=False)[:40]}")
        lon, lat = float(position[0]), float(position[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise Rejected(f"{where}: ({lon:g}, {lat:g}) is not a longitude/latitude (a projected CRS?)")
        if not points or points[-1] != (lon, lat):
            points.append((lon, lat))
    if len(points) > 1 and points[0] != points[-1]:
        points.append(points[0])
        notes.append(f"{where}: closed an open ring")
    # a bow-tie's signed halves cancel out, so its area is measured once made valid
    if len(points) < 4 or shapely.make_valid(Polygon(points)).area == 0:
        notes.append(f"{where}: dropped a degenerate ring ({len(points)} points, no area)")
        return None
    return points


def _polygons(geometry, notes: list[str]) -> list[list]:
    """The polygons (lists of rings) of a Polygon or MultiPolygon, degenerate rings dropped."""
    if not isinstance(geometry, dict):
        raise Rejected("no geometry")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise Rejected(f"geometry is a {kind}, not a Polygon or MultiPolygon")
    if not isinstance(coords, list):
        raise Rejected(f"{kind} without coordinates")
    polygons = []
    for p_index, rings in enumerate([coords] if kind == "Polygon" else coords, start=1):
        if not isinstance(rings, list) or not rings:
            notes.append(f"polygon {p_index}: dropped, no rings")
            continue
        where = f"polygon {p_index}" if kind == "MultiPolygon" else "polygon"
        shell = _clean_ring(rings[0], notes, f"{where} outer ring")
        if shell is None:
            continue
        holes = [_clean_ring(ring, notes, f"{where} hole {h}") for h, ring in enumerate(rings[1:], start=1)]
        polygons.append([shell, *(h for h in holes if h is not None)])
    if not polygons:
        raise Rejected("no polygon with an area")
    return polygons


def _polygonal(geom):
    """The polygons of a geometry (make_valid may add lines and points), as one geometry."""
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else Polygon()


def clean_geometry(geometry, crs: str, notes: list[str]):
    """A valid WGS-84 shapely (Multi)Polygon from a GeoJSON geometry; repairs go to `notes`."""
    polygons = _polygons(geometry, notes)
    if crs == "GCJ02":
        polygons = transform_geometry({"type": "MultiPolygon", "coordinates": polygons},
                                      gcj02_to_wgs84)["coordinates"]
    geom = MultiPolygon([(rings[0], rings[1:]) for rings in polygons])
    geom = geom.geoms[0] if len(geom.geoms) == 1 else geom
    if not geom.is_valid:
        problem = explain_validity(geom)
        geom = _polygonal(shapely.make_valid(geom))
        if geom.is_empty or not geom.is_valid:
            raise Rejected(f"invalid geometry that could not be repaired: {problem}")
        notes.append(f"{problem}: made valid as a {geom.geom_type} with {len(shapely.get_parts(geom))} part(s)")
    if geom.area == 0:
        raise Rejected("no area")
    return geom


def area_km2(geom) -> float:
    """Area on the sphere: the sinusoidal projection (equal-area) about the geometry's centre."""
    lon0 = geom.centroid.x

    def project(coords):
        lon, lat = np.radians(coords[:, 0] - lon0), np.radians(coords[:, 1])
        return np.column_stack([EARTH_RADIUS_KM * lon * np.cos(lat), EARTH_RADIUS_KM * lat])

    return float(shapely.transform(geom, project).area)


def geometry_text(geom) -> str:
    """GeoJSON geometry text, coordinates rounded to 6 decimals (about 0.1 m), like the seeds."""
    return json.dumps(transform_geometry(mapping(geom), lambda x, y: (x, y)), separators=(",", ":"))


def _first(props: dict, names) -> str | None:
    return next((str(props[n]).strip() for n in names if n in props), None)


def _kind(props: dict, name: str) -> str | None:
    given = _first(props, KIND_NAMES)
    if given in KINDS:
        return given
    return "街道" if name.endswith("街道") else "镇" if name.endswith("镇") else None


def import_regions(engine, path, jurisdiction: str, crs: str = "WGS84", code_property: str | None = None,
                   name_property: str | None = None, new_jurisdiction: str | None = None) -> RegionReport:
    """Create or update `jurisdiction`'s regions from the GeoJSON file at `path`, in one transaction.

    `new_jurisdiction` names the jurisdiction to create when its code is not stored yet."""
    crs = crs.upper().replace("-", "")
    if crs not in CRSES:
        raise RegionFileError(f"unknown CRS {crs!r} (use {' or '.join(CRSES)})")
    features = read_collection(path)
    all_props = [_properties(f) for f in features]
    report = RegionReport(total=len(features))
    code_key = choose_property(all_props, CODE_NAMES, code_property, "code")
    name_key = choose_property(all_props, NAME_NAMES, name_property, "name")
    for what, key, names in (("code", code_key, CODE_NAMES), ("name", name_key, NAME_NAMES)):
        if key is None:
            raise RegionFileError(f"no feature has a {what} property (looked for {', '.join(names)}); "
                                  f"name it with --{what}-property")
    report.properties = {"code": code_key, "name": name_key}
    with db.session_scope(engine) as session:
        if session.get(Jurisdiction, jurisdiction) is None and new_jurisdiction:
            if not (jurisdiction.isascii() and jurisdiction.isdigit() and len(jurisdiction) == 6):
                raise RegionFileError(f"jurisdiction {jurisdiction!r}: a new one needs a 6-digit code")
            session.add(Jurisdiction(code=jurisdiction, name=new_jurisdiction[:NAME_LENGTH],
                                     name_en=new_jurisdiction[:NAME_LENGTH], center_lon=0.0, center_lat=0.0))
            session.flush()
            report.jurisdiction_created = True
        if session.get(Jurisdiction, jurisdiction) is None:
            known = ", ".join(session.scalars(select(Jurisdiction.code).order_by(Jurisdiction.code))) or "none"
            raise RegionFileError(f"unknown jurisdiction {jurisdiction!r} (known: {known})")
        seen: dict[str, int] = {}
        for number, (feature, props) in enumerate(zip(features, all_props), start=1):
            label = " ".join(str(props[k]) for k in (code_key, name_key) if k in props)
            notes: list[str] = []
            try:
                if code_key not in props:
                    raise Rejected(f"no {code_key!r} property")
                code = region_code(props[code_key], jurisdiction)
                if code in seen:
                    raise Rejected(f"code {code} already came in feature {seen[code]}")
                name = _first(props, (name_key,))
                if not name:
                    raise Rejected(f"no {name_key!r} property")
                if len(name) > NAME_LENGTH:
                    raise Rejected(f"name longer than {NAME_LENGTH} characters")
                geom = clean_geometry(feature.get("geometry"), crs, notes)
                region = session.get(Region, code)
                if region is not None and region.jurisdiction_code != jurisdiction:
                    raise Rejected(f"code {code} belongs to jurisdiction {region.jurisdiction_code}")
            except Rejected as exc:
                report.rejected.append(Note(number, label, str(exc)))
                continue
            seen[code] = number
            if notes:
                report.repaired.append(Note(number, label, "; ".join(notes)))
            point = geom.representative_point()
            values = {"name": name, "geometry": geometry_text(geom), "area_km2": round(area_km2(geom), 3),
                      "label_lon": round(point.x, 6), "label_lat": round(point.y, 6)}
            name_en, kind = _first(props, NAME_EN_NAMES), _kind(props, name)
            if region is None:
                kind = kind or "镇"
                session.add(Region(code=code, jurisdiction_code=jurisdiction, name_en=(name_en or name)[:NAME_LENGTH],
                                   kind=kind, profile="centre" if kind == "街道" else "mixed", **values))
                report.created.append(code)
            else:
                values.update({k: v for k, v in (("name_en", name_en and name_en[:NAME_LENGTH]), ("kind", kind)) if v})
                for key, value in values.items():
                    setattr(region, key, value)
                report.updated.append(code)
        session.flush()
        for code in report.created + report.updated:
            regenerate_grids(session, session.get(Region, code), report)
        for code in report.created:
            _add_town_department(session, session.get(Region, code), report)
        if report.created or report.updated:
            case_writes.grids_changed(session)
        if report.jurisdiction_created:  # centred on its regions
            centre = shapely.union_all([shapely.from_geojson(r.geometry) for r in session.scalars(
                select(Region).where(Region.jurisdiction_code == jurisdiction))]).centroid
            if not centre.is_empty:
                session.get(Jurisdiction, jurisdiction).center_lon = round(centre.x, 6)
                session.get(Jurisdiction, jurisdiction).center_lat = round(centre.y, 6)
    return report


def _code_numbers(codes, prefix_length: int) -> list[int]:
    return [int(code[prefix_length:]) for code in codes if code[prefix_length:].isdigit()]


def regenerate_grids(session, region: Region, report: RegionReport) -> None:
    """The region's communities and grids made anew from its geometry, keeping those cases point at."""
    from seeds.city import COMMUNITY_CELL, GRID_CELL, lattice_pieces

    code = region.code
    used_grids = set(session.scalars(select(Case.grid_code).where(Case.region_code == code).distinct()))
    used_communities = set(session.scalars(select(Case.community_code).where(Case.region_code == code).distinct()))
    grids = session.execute(select(Grid.code, Grid.community_code, Grid.geometry).where(Grid.region_code == code)).all()
    kept = [g for g in grids if g.code in used_grids]
    used_communities |= {g.community_code for g in kept}
    communities = session.scalars(select(Community.code).where(Community.region_code == code)).all()
    gone_grids = [g.code for g in grids if g.code not in used_grids]
    gone_communities = [c for c in communities if c not in used_communities]
    if gone_grids:
        session.execute(Grid.__table__.delete().where(Grid.code.in_(gone_grids)))
    if gone_communities:
        session.execute(Community.__table__.delete().where(Community.code.in_(gone_communities)))
    report.grids_kept += len(kept)
    report.communities_kept += len(used_communities)
    report.grids_removed += len(gone_grids)
    report.communities_removed += len(gone_communities)

    area = shapely.from_geojson(region.geometry)
    if kept:  # the kept grids keep their ground; new cells fill the rest
        area = _polygonal(area.difference(shapely.union_all([shapely.from_geojson(g.geometry) for g in kept])))
    number = max(_code_numbers(used_communities, len(code)), default=0)
    # a region or community smaller than a cell's sliver limit is one piece of its own
    pieces = (lattice_pieces(area, COMMUNITY_CELL, polygonal=True) or [area]) if not area.is_empty else []
    for piece in pieces:
        cells = (lattice_pieces(piece, GRID_CELL, polygonal=True) or [piece])[:99]
        number += 1
        if number > 999:
            raise RegionFileError(f"region {code}: more than 999 communities; the region is too large for "
                                  f"{COMMUNITY_CELL}° community cells")
        community = f"{code}{number:03d}"
        session.add(Community(code=community, region_code=code, name=f"{region.name}第{number}片区",
                              geometry=geometry_text(piece)))
        session.flush()
        for g_number, cell in enumerate(cells, start=1):
            centre = cell.representative_point()
            session.add(Grid(code=f"{community}{g_number:02d}", community_code=community, region_code=code,
                             center_lon=round(centre.x, 6), center_lat=round(centre.y, 6),
                             geometry=geometry_text(cell)))
        report.communities_created += 1
        report.grids_created += len(cells)
    session.flush()


def _add_town_department(session, region: Region, report: RegionReport) -> None:
    """The 镇街 department of a new region, named as the seed names them."""
    from seeds.catalogue import town_department_code, town_department_name

    code = town_department_code(region.code)
    if session.scalar(select(Department.id).where(Department.code == code)) is None:
        next_id = (session.scalar(select(func.max(Department.id))) or 0) + 1
        session.add(Department(id=next_id, code=code, name=town_department_name(region.name)[:NAME_LENGTH],
                               kind="town", region_code=region.code))
        session.flush()
        report.departments_created.append(code)
