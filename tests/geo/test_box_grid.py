"""The box grid lists, for a point, every box containing it (edges and corners included) and
no box that does not overlap the point's cell: small and large boxes, zero-size ones, empty
(NaN) ones and points on cell and box boundaries."""

import numpy as np
import pytest

from geo.box_grid import MAX_CELLS, BoxGrid


def holding(b: np.ndarray, x: float, y: float) -> set[int]:
    inside = (b[:, 0] <= x) & (x <= b[:, 2]) & (b[:, 1] <= y) & (y <= b[:, 3])
    return set(np.flatnonzero(inside).tolist())


def check(grid: BoxGrid, bounds: np.ndarray, x: float, y: float) -> int:
    listed = grid.members[grid.listed(x, y)].tolist()
    assert len(listed) == len(set(listed))  # each box once
    candidates = set(listed) | set(grid.aside.tolist())
    assert holding(bounds, x, y) <= candidates, (x, y)
    c = grid.cell  # every listed box overlaps the point's cell
    cx, cy = np.floor(x / c) * c, np.floor(y / c) * c
    b = bounds[listed]
    assert ((b[:, 0] <= cx + c) & (b[:, 2] >= cx) & (b[:, 1] <= cy + c) & (b[:, 3] >= cy)).all()
    return len(holding(bounds, x, y))


def random_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    x = rng.uniform(115.5, 117.5, n)
    y = rng.uniform(39.5, 41.0, n)
    w = rng.choice([0.0, 0.002, 0.02, 0.05, 0.9], n, p=[0.05, 0.3, 0.5, 0.14, 0.01])
    h = w * rng.uniform(0.5, 1.5, n)
    return np.column_stack((x - w / 2, y - h / 2, x + w / 2, y + h / 2))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_box_holding_the_point_is_a_candidate(seed: int) -> None:
    rng = np.random.default_rng(seed)
    bounds = random_boxes(rng, 3_000)
    empty = rng.choice(3_000, 20, replace=False)
    bounds[empty] = np.nan  # empty zones: listed nowhere
    grid = BoxGrid(bounds)
    assert grid.aside.size > 0  # the 0.9-degree boxes span more than MAX_CELLS cells
    assert not set(empty.tolist()) & (set(grid.members.tolist()) | set(grid.aside.tolist()))
    some = rng.choice(np.flatnonzero(np.isfinite(bounds[:, 0])), 200)
    corners = [(bounds[i, a], bounds[i, b]) for i in some for a, b in ((0, 1), (2, 3), (0, 3))]
    on_cells = [(k * grid.cell, j * grid.cell) for k, j in
                zip(rng.integers(int(115.5 / grid.cell), int(117.5 / grid.cell), 200),
                    rng.integers(int(39.5 / grid.cell), int(41 / grid.cell), 200), strict=True)]
    inside = list(zip(rng.uniform(115.4, 117.6, 2_000), rng.uniform(39.4, 41.1, 2_000),
                      strict=True))
    points = corners + on_cells + inside + [(0.0, 0.0), (-179.9, 89.9)]
    held = sum(check(grid, bounds, float(x), float(y)) for x, y in points)
    assert held > len(points)  # most points lie in several boxes


def test_degenerate_grids() -> None:
    none = BoxGrid(np.empty((0, 4)))
    assert none.members[none.listed(116.4, 39.9)].size == 0 and none.aside.size == 0
    point = np.array([[116.4, 39.9, 116.4, 39.9]])  # a zero-size box: listed at its point
    assert check(BoxGrid(point), point, 116.4, 39.9) == 1
    # boxes sharing cells, one on another's corner, one a sliver
    boxes = np.array([[0.0, 0.0, 10.0, 10.0], [5.0, 5.0, 20.0, 20.0],
                      [9.0, 9.0, 9.0 + 1e-9, 9.0]])
    grid = BoxGrid(boxes)
    assert grid.cell > 0 and MAX_CELLS >= 4
    for x, y in [(1, 1), (7, 7), (9, 9), (10, 10), (15, 15), (25, 25)]:
        check(grid, boxes, x, y)


def test_the_cell_is_the_median_box_size_and_far_boxes_are_kept_aside() -> None:
    """The cell is the median of each box's larger side (empty boxes left out): wide and tall
    boxes alike. A box no cell key can hold (beyond ±2^30 cells) is a candidate everywhere, and
    a point that far is in no listed cell."""
    wide = [[116.0, 40.0, 116.4, 40.1]] * 3  # larger side: width 0.4
    tall = [[116.0, 40.0, 116.1, 40.2]] * 2  # larger side: height 0.2
    empty = [[np.nan] * 4] * 9
    bounds = np.array(wide + tall + empty)
    assert BoxGrid(bounds).cell == pytest.approx(0.4)
    assert BoxGrid(np.array(tall + empty)).cell == pytest.approx(0.2)
    far = np.array([[0.0, 0.0, 1e300, 1.0], [-1e300, -1e300, 1e300, 1e300],
                    [1e300, 0.0, 1e300, 1.0],
                    *[[116.0, 40.0 + j, 116.1, 40.1 + j] for j in range(10)]])
    grid = BoxGrid(far)
    assert grid.cell == pytest.approx(0.1)
    assert grid.aside.tolist() == [0, 1, 2]
    for x, y in [(5.0, 0.5), (116.05, 40.05), (0.0, 0.0)]:
        check(grid, far, x, y)
    for x, y in [(1e300, 0.5), (116.05, 1e300), (-1e300, -1e300)]:
        assert grid.members[grid.listed(x, y)].size == 0
