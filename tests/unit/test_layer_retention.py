"""Which dependency layers go when their budget is spent (pure)."""

from __future__ import annotations

from evaluator.install.retention import Layer, layers_to_remove

MIB = 2**20


def _layer(tag: str, mib: int, used: float) -> Layer:
    return Layer(tag=tag, own_bytes=mib * MIB, last_used=used)


def test_the_least_recently_used_go_first_until_the_rest_fits() -> None:
    layers = [_layer("old", 40, 1.0), _layer("new", 40, 3.0), _layer("mid", 40, 2.0)]
    assert [x.tag for x in layers_to_remove(layers, 100 * MIB)] == ["old"]
    assert [x.tag for x in layers_to_remove(layers, 50 * MIB)] == ["mid", "old"]
    assert layers_to_remove(layers, 120 * MIB) == []


def test_the_layer_just_built_stays_even_past_the_budget() -> None:
    layers = [_layer("built", 80, 0.0), _layer("recent", 10, 5.0)]
    assert [x.tag for x in layers_to_remove(layers, 50 * MIB, spare="built")] == ["recent"]
    assert layers_to_remove([_layer("built", 80, 0.0)], 0, spare="built") == []


def test_a_small_layer_behind_a_large_one_is_kept_when_it_fits() -> None:
    layers = [_layer("big", 90, 3.0), _layer("huge", 500, 2.0), _layer("small", 5, 1.0)]
    assert [x.tag for x in layers_to_remove(layers, 100 * MIB)] == ["huge"]
