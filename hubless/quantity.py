"""Kubernetes resource quantities (`100m`, `1.5Gi`, `2e3`) as exact fractions."""

from __future__ import annotations

import math
import re
from fractions import Fraction

_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))([a-zA-Z]*|[eE][+-]?\d+)")
_SUFFIXES = {
    "": Fraction(1),
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 1000),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
    "Ki": Fraction(2**10),
    "Mi": Fraction(2**20),
    "Gi": Fraction(2**30),
    "Ti": Fraction(2**40),
    "Pi": Fraction(2**50),
    "Ei": Fraction(2**60),
}


def parse_quantity(text: object) -> Fraction | None:
    """The exact value of a quantity, or None when it is not one."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return Fraction(text)
    if isinstance(text, float):
        return Fraction(text) if math.isfinite(text) else None
    if not isinstance(text, str):
        return None
    match = _QUANTITY.fullmatch(text.strip())
    if match is None:
        return None
    number, suffix = match.groups()
    if suffix[:1] in ("e", "E") and suffix[1:].lstrip("+-").isdigit():
        return Fraction(number) * Fraction(10) ** int(suffix[1:])
    factor = _SUFFIXES.get(suffix)
    return None if factor is None else Fraction(number) * factor


def value(quantity: Fraction) -> int:
    """Quantity.Value(): rounded up to a whole number."""
    return math.ceil(quantity)


def milli_value(quantity: Fraction) -> int:
    """Quantity.MilliValue(): thousandths, rounded up."""
    return math.ceil(quantity * 1000)


def request_units(name: str, quantity: Fraction) -> int:
    """A resource amount in the units the estimator counts: cpu in millicores, every
    other resource in whole units (MilliValue and Value, rounded up)."""
    return milli_value(quantity) if name == "cpu" else value(quantity)


def units_amount(name: str, units: int) -> Fraction:
    """`request_units` back to the amount."""
    return Fraction(units, 1000) if name == "cpu" else Fraction(units)


def units_text(name: str, units: int) -> str:
    """`request_units` as Kubernetes prints the amount (in the resource's form)."""
    return canonical(units_amount(name, units), resource_form(name))


# How a Quantity prints (resource.Format): the suffix family its text was written in.
DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

_DECIMAL_SUFFIXES = {
    -9: "n",
    -6: "u",
    -3: "m",
    0: "",
    3: "k",
    6: "M",
    9: "G",
    12: "T",
    15: "P",
    18: "E",
}
_BINARY_SUFFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")


def quantity_format(text: object) -> str:
    """The format ParseQuantity gives `text`: BinarySI for Ki..Ei, DecimalExponent for
    e/E, else DecimalSI."""
    if isinstance(text, str):
        match = _QUANTITY.fullmatch(text.strip())
        suffix = match.group(2) if match else ""
        if suffix.endswith("i"):
            return BINARY_SI
        if suffix[:1] in ("e", "E"):
            return DECIMAL_EXPONENT
    return DECIMAL_SI


def resource_form(name: str) -> str:
    """The form a resource's amounts are printed in (ResourceList(): memory,
    ephemeral-storage and hugepages are BinarySI, the rest DecimalSI)."""
    if name in ("memory", "ephemeral-storage") or name.startswith("hugepages-"):
        return BINARY_SI
    return DECIMAL_SI


def canonical(quantity: Fraction, form: str = DECIMAL_SI) -> str:
    """Quantity.String(): the canonical text Kubernetes prints for `quantity` in `form`.

    BinarySI only for whole numbers of at least 1024 (the largest power-of-1024 suffix
    that divides them); otherwise the decimal mantissa without trailing zeros and an
    exponent that is a multiple of 3, precision below nano rounded up."""
    if quantity == 0:
        return "0"
    if form == BINARY_SI and abs(quantity) >= 1024 and quantity.denominator == 1:
        number, power = int(quantity), 0
        while number % 1024 == 0 and power < len(_BINARY_SUFFIXES) - 1:
            number //= 1024
            power += 1
        return f"{number}{_BINARY_SUFFIXES[power]}"
    mantissa, exponent = math.ceil(quantity * 10**9), -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    shift = exponent % 3
    mantissa, exponent = mantissa * 10**shift, exponent - shift
    if form != DECIMAL_EXPONENT and exponent in _DECIMAL_SUFFIXES:
        return f"{mantissa}{_DECIMAL_SUFFIXES[exponent]}"
    return f"{mantissa}e{exponent}" if exponent else str(mantissa)
