"""The sample's places: the borough's wards and fictional authorities, wards and LSOAs standing in for
the rest of England, with the latent deprivation of each ward (see the package docstring)."""

from __future__ import annotations

import numpy as np

from tools.demonstration_data.model import Shape

# --- names (fictional; checked against the real ward and authority names of England and Wales) ---

# Borough wards in code order. E05900001–03 are town-centre wards, 04, 05 and 08 riverside wards,
# 06, 07 and 09 northern estates: the most deprived nine.
BOROUGH_WARD_NAMES = [
    "Tollbridge Central",
    "Priorsgate",
    "Ropewalk",
    "Wharfside",
    "Quayfield",
    "Brackenhurst North",
    "Thornleigh Park",
    "Keelham Riverside",
    "Brackenhurst South",
    "Coldwell",
    "Ashgrove",
    "Marlbeck",
    "Ravensholme",
    "Elmridge",
    "Larchfield",
    "Sedgewater",
    "Foxcombe Vale",
    "Brindlemoor",
    "Cotswick",
    "Harrowdene",
    "Stanmere",
    "Whinholme",
    "Ludmoor",
    "Kestonbury",
    "Aldenby",
    "Hawksmere Village",
]
# The other authorities: the first six unitary authorities (E06900001…), the rest metropolitan
# districts (E08900001…).
AUTHORITIES = [
    "Northmoor",
    "Westvale",
    "Eastbridge",
    "Southholm",
    "Highcastle",
    "Lowmarsh",
    "Greyford",
    "Riverton",
    "Millbank",
    "Seacliff",
    "Oakhampton",
]
UNITARY_AUTHORITIES = 6
WARD_STEMS = [
    "Aspen",
    "Thistle",
    "Cald",
    "Dunster",
    "Elder",
    "Fennel",
    "Gorse",
    "Heron",
    "Ivel",
    "Kestrel",
    "Lapwing",
    "Mallow",
    "Sallow",
    "Osier",
    "Plover",
    "Quern",
    "Rook",
    "Sorrel",
    "Teasel",
    "Umber",
    "Vetch",
    "Wyn",
    "Yarrow",
    "Bramble",
    "Coppice",
    "Dunlin",
]
WARD_ENDINGS = ["by", "field", "ton", "ham", "well", "wood", "ford", "ley", "stead", "thorpe", "brook", "mere", "side"]
WARD_QUALIFIERS = ["", " North", " South", " East", " West", " Central"]


def other_ward_names(count: int) -> list[str]:
    """Fictional ward names (stem + ending, then with a qualifier) in a fixed scrambled order, the
    same for every seed; they repeat (in other authorities, as real ward names do) only past 2,028."""
    combos = [s + e for e in WARD_ENDINGS for s in WARD_STEMS]
    step = 97  # coprime with len(combos): visits every combination once
    names = [combos[(i * step) % len(combos)] + q for q in WARD_QUALIFIERS for i in range(len(combos))]
    return [names[i % len(names)] for i in range(count)]


def borough_ward_latents(shape: Shape, rng: np.random.Generator) -> np.ndarray:
    """Latent deprivation of the borough's wards in code order: the first `borough_deprived_wards`
    deep in the deprived tail, the others spread evenly towards the affluent end, order shuffled."""
    deprived = rng.normal(1.7, 0.15, shape.borough_deprived_wards)
    rest = np.linspace(0.8, -1.4, shape.borough_wards - shape.borough_deprived_wards)
    return np.concatenate([deprived, rng.permutation(rest + rng.normal(0, 0.12, rest.size))])


def lsoas_per_ward(total: int, wards: int, bounds: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """`total` LSOAs over `wards` wards, each within `bounds`: start at the minimum, add one at a time."""
    low, high = bounds
    if not low * wards <= total <= high * wards:
        raise ValueError(f"{total} LSOAs cannot be spread over {wards} wards of {low}–{high}")
    counts = np.full(wards, low)
    while counts.sum() < total:
        counts[rng.choice(np.flatnonzero(counts < high))] += 1
    return counts


def geography(shape: Shape, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One entry per LSOA, sorted by code: lsoa_code, lsoa_name, ward_code, ward_name, la_code,
    la_name and `latent`, the latent deprivation of the LSOA's ward."""
    if len(BOROUGH_WARD_NAMES) < shape.borough_wards or len(AUTHORITIES) < shape.other_authorities:
        raise ValueError("not enough fictional names for the requested shape")
    authorities = [(shape.borough_code, shape.borough_name)] + [
        (f"E069{n + 1:05d}" if n < UNITARY_AUTHORITIES else f"E089{n - UNITARY_AUTHORITIES + 1:05d}", name)
        for n, name in enumerate(AUTHORITIES[: shape.other_authorities])
    ]
    low, high = shape.other_wards_per_authority
    wards_per_la = np.concatenate([[shape.borough_wards], rng.integers(low, high + 1, shape.other_authorities)])
    la_means = rng.permutation(np.linspace(-0.8, 0.8, shape.other_authorities)) + rng.normal(
        0, 0.15, shape.other_authorities
    )
    ward_latent = np.concatenate(
        [borough_ward_latents(shape, rng)] + [m + rng.normal(0, 0.6, k) for m, k in zip(la_means, wards_per_la[1:])]
    )
    ward_la = np.repeat(np.arange(len(authorities)), wards_per_la)
    ward_code = np.array([f"E059{n + 1:05d}" for n in range(ward_la.size)])
    ward_name = np.array(
        BOROUGH_WARD_NAMES[: shape.borough_wards] + other_ward_names(ward_la.size - shape.borough_wards)
    )

    lsoas = np.concatenate(
        [
            lsoas_per_ward(shape.borough_lsoas, shape.borough_wards, shape.borough_lsoas_per_ward, rng),
            rng.integers(
                shape.other_lsoas_per_ward[0], shape.other_lsoas_per_ward[1] + 1, ward_la.size - shape.borough_wards
            ),
        ]
    )
    ward = np.repeat(np.arange(ward_la.size), lsoas)
    la = ward_la[ward]
    la_code = np.array([code for code, _ in authorities])[la]
    la_name = np.array([name for _, name in authorities])[la]
    # "<authority> 001A": a number per ward within its authority (standing in for the MSOA), a letter per LSOA
    ward_in_la = ward - np.searchsorted(ward_la, ward_la[ward]) + 1
    letter = np.arange(ward.size) - np.repeat(np.cumsum(lsoas) - lsoas, lsoas)
    return {
        "lsoa_code": np.array([f"E019{n + 1:05d}" for n in range(ward.size)]),
        "lsoa_name": np.array([f"{n} {m:03d}{chr(65 + k)}" for n, m, k in zip(la_name, ward_in_la, letter)]),
        "ward_code": ward_code[ward],
        "ward_name": ward_name[ward],
        "la_code": la_code,
        "la_name": la_name,
        "latent": ward_latent[ward],
    }
