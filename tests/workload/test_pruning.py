"""Trajectories and the synthetic PruneTrain-like generator."""

from __future__ import annotations

from functools import cache

import pytest

from mapscope.errors import InputError
from mapscope.workload.cnn import CNN
from mapscope.workload.cnn_models import resnet50_imagenet, resnet56_cifar
from mapscope.workload.pruning import (
    Trajectory,
    final_inference_reduction,
    synthetic_trajectory,
    training_flop_reduction,
)
from mapscope.workload.training import training_macs


@cache
def _resnet50() -> CNN:
    return resnet50_imagenet()


@cache
def _default_trajectory() -> Trajectory:
    return synthetic_trajectory(_resnet50())


def test_default_trajectory_shape_and_target() -> None:
    cnn, trajectory = _resnet50(), _default_trajectory()
    assert trajectory.synthetic and "synthetic" in trajectory.description
    assert trajectory.epochs == tuple(range(0, 90, 5))
    assert trajectory.epoch_spans() == (5,) * 18
    assert abs(final_inference_reduction(trajectory, cnn) - 0.53) <= 0.005
    networks = trajectory.networks(cnn)
    assert networks[0] == cnn  # epoch 0 is dense
    assert 0.0 < training_flop_reduction(trajectory, cnn) < 0.53


def test_counts_monotone_residual_consistent_and_irregular() -> None:
    cnn, trajectory = _resnet50(), _default_trajectory()
    sizes = [network.group_sizes() for network in trajectory.networks(cnn)]  # raises if a group disagrees
    for before, after in zip(sizes, sizes[1:]):
        assert all(after[group] <= before[group] for group in before)
        assert after["image"] == 3 and after["classes"] == 1000
    final = sizes[-1]
    prunable = [group for group in final if group not in cnn.fixed_groups]
    assert all(final[group] >= 1 for group in prunable)
    assert sum(final[group] % 8 != 0 for group in prunable) > 0.6 * len(prunable)
    assert len({final[group] / sizes[0][group] for group in prunable}) > len(prunable) // 2  # groups differ
    # front-loaded: more than half of the MAC reduction is in place a third of the way through
    macs = [network.forward_macs() for network in trajectory.networks(cnn)]
    assert macs[0] - macs[6] > 0.5 * (macs[0] - macs[-1])


def test_deterministic_per_seed() -> None:
    cnn = resnet56_cifar()
    first = synthetic_trajectory(cnn, seed=3)
    assert synthetic_trajectory(cnn, seed=3) == first
    assert synthetic_trajectory(cnn, seed=4).channels != first.channels


def test_other_targets_and_schedule() -> None:
    cnn = resnet56_cifar()
    trajectory = synthetic_trajectory(cnn, target_inference_reduction=0.3, interval_epochs=10, total_epochs=45, seed=1)
    assert trajectory.epochs == (0, 10, 20, 30, 40) and trajectory.epoch_spans() == (10, 10, 10, 10, 5)
    assert abs(final_inference_reduction(trajectory, cnn) - 0.3) <= 0.005


def test_training_flop_reduction_by_hand() -> None:
    cnn = resnet56_cifar()
    half = cnn.with_group_sizes({"layer3.residual": 32})
    entry = tuple((layer.name, layer.in_channels, layer.out_channels) for layer in half.layers)
    dense = tuple((layer.name, layer.in_channels, layer.out_channels) for layer in cnn.layers)
    trajectory = Trajectory("resnet56", 10, (0, 4), (dense, entry))
    expected = 1 - (4 * training_macs(cnn, 8) + 6 * training_macs(half, 8)) / (10 * training_macs(cnn, 8))
    assert training_flop_reduction(trajectory, cnn, 8) == pytest.approx(expected)


def _dense_entry(cnn: CNN) -> tuple[tuple[str, int, int], ...]:
    return tuple((layer.name, layer.in_channels, layer.out_channels) for layer in cnn.layers)


def test_trajectory_validation() -> None:
    cnn = resnet56_cifar()
    dense = _dense_entry(cnn)
    with pytest.raises(InputError, match="the trajectory is empty"):
        Trajectory("resnet56", 10, (), ())
    with pytest.raises(InputError, match="the first entry must be at epoch 0, found epoch 2"):
        Trajectory("resnet56", 10, (2,), (dense,))
    with pytest.raises(InputError, match="epochs must increase strictly, found 3 after 3"):
        Trajectory("resnet56", 10, (0, 3, 3), (dense, dense, dense))
    with pytest.raises(InputError, match="epoch 10 is not below total_epochs = 10"):
        Trajectory("resnet56", 10, (0, 10), (dense, dense))
    with pytest.raises(InputError, match="out_channels of layer 'conv1' must be a positive integer, got 0"):
        Trajectory("resnet56", 10, (0,), ((("conv1", 3, 0),),))
    with pytest.raises(InputError, match="total_epochs must be a positive integer"):
        Trajectory("resnet56", 0, (0,), (dense,))
    with pytest.raises(InputError, match="for network 'resnet50', not 'resnet56'"):
        Trajectory("resnet50", 10, (0,), (dense,)).networks(cnn)
    with pytest.raises(InputError, match="unknown layer 'conv9' at epoch 5"):
        Trajectory("resnet56", 10, (0, 5), (dense, (*dense, ("conv9", 1, 1)))).networks(cnn)
    with pytest.raises(InputError, match="out_channels = 17 of layer 'conv1' at epoch 0 is above the dense count 16"):
        Trajectory("resnet56", 10, (0,), ((("conv1", 3, 17), *dense[1:]),)).networks(cnn)
    with pytest.raises(InputError, match="epoch 0 gives no counts for layer 'conv1'"):
        Trajectory("resnet56", 10, (0,), (dense[1:],)).networks(cnn)


def test_generator_bad_input() -> None:
    cnn = resnet56_cifar()
    for target in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(InputError, match="target inference reduction must be between 0 and 1"):
            synthetic_trajectory(cnn, target_inference_reduction=target)
    with pytest.raises(InputError, match="interval_epochs must be a positive integer"):
        synthetic_trajectory(cnn, interval_epochs=0)
    with pytest.raises(InputError, match="total_epochs must be a positive integer"):
        synthetic_trajectory(cnn, total_epochs=0)
    with pytest.raises(InputError, match="leaves no reconfiguration"):
        synthetic_trajectory(cnn, interval_epochs=90, total_epochs=90)
