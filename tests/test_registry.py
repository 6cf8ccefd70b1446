"""Properties every registered attention module must have; new registry entries are picked up automatically."""
import pytest
import timm
import torch
from hypothesis import given, strategies as st
from torch.testing import assert_close

from visattn.core import create_attn, get_attn, list_attn
from visattn.viz import capture_attn

NAMES = list_attn()
sizes = st.integers(1, 33)
channels = st.integers(1, 48)  # mostly not divisible by SE's r = 16 or timm's divisor 8


def accepted(name, C):
    "Split Attention's grouped convolution needs C divisible by its radix (2); every other module takes any C."
    return C + C % 2 if name == 'splat' else C


def make(name, C):
    torch.manual_seed(0)
    return create_attn(name, C).eval()


def test_registry_has_the_chapters():
    assert {'se', 'se_var1', 'se_var2', 'se_var3', 'ese', 'eca', 'cbam', 'bam', 'ge', 'sk', 'splat', 'mhsa'} <= set(NAMES)
    assert all(n == n.lower() for n in NAMES)


@pytest.mark.parametrize('name', NAMES)
@given(B=st.integers(1, 3), C=channels, H=sizes, W=sizes)
def test_shape_dtype_and_samples_independent(name, B, C, H, W):
    C = accepted(name, C)
    m, x = make(name, C), torch.randn(B, C, H, W)
    with torch.no_grad():
        y = m(x)
        assert y.shape == x.shape and y.dtype == x.dtype and torch.isfinite(y).all()
        for i in range(B): assert_close(m(x[i:i + 1]), y[i:i + 1])


@pytest.mark.parametrize('name', NAMES)
@given(C=channels, H=sizes, W=sizes)
def test_channels_last_and_non_contiguous(name, C, H, W):
    C = accepted(name, C)
    m = make(name, C)
    x = torch.randn(2, C, H, W)
    strided = torch.randn(2, 2 * C, H, W)[:, ::2]          # every other channel: a strided view
    permuted = torch.randn(2, H, W, C).permute(0, 3, 1, 2)  # NHWC storage seen as NCHW
    with torch.no_grad():
        assert_close(m(x.contiguous(memory_format=torch.channels_last)), m(x))
        assert_close(m(strided), m(strided.contiguous()))
        assert_close(m(permuted), m(permuted.contiguous()))


@pytest.mark.parametrize('name', NAMES)
@given(C=channels, H=sizes, W=sizes)
def test_gradients_reach_input_and_every_parameter(name, C, H, W):
    C = accepted(name, C)
    m = make(name, C)
    x = torch.randn(2, C, H, W, requires_grad=True)
    m(x).square().mean().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    for n, p in m.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), n


@pytest.mark.parametrize('name', NAMES)
@given(C=channels, H=sizes, W=sizes)
def test_bfloat16_autocast_on_cpu(name, C, H, W):
    C = accepted(name, C)
    m, x = make(name, C), torch.randn(2, C, H, W)
    with torch.no_grad():
        ref = m(x)
        with torch.autocast('cpu', dtype=torch.bfloat16): y = m(x)
    assert y.shape == x.shape and torch.isfinite(y).all()
    assert_close(y.float(), ref, atol=3e-2, rtol=3e-2)


@pytest.mark.parametrize('name', NAMES)
def test_torch_export(name):
    m, x = make(name, 24), torch.randn(2, 24, 9, 7)
    ep = torch.export.export(m, (x,))
    with torch.no_grad(): assert_close(ep.module()(x), m(x))


@pytest.mark.parametrize('name', NAMES)
def test_drops_into_timm_resnet(name):
    torch.manual_seed(0)
    net = timm.create_model('resnet18', num_classes=10, block_args=dict(attn_layer=get_attn(name))).eval()
    assert sum(isinstance(m, get_attn(name)) for m in net.modules()) == 8
    with torch.no_grad(): assert net(torch.randn(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.parametrize('name', NAMES)
def test_wrong_input_names_expected_and_got(name):
    m = make(name, 16)
    with pytest.raises(ValueError, match='expected 16 channels, got 8'): m(torch.randn(2, 8, 5, 5))
    with pytest.raises(ValueError, match='expected a 4-d input'): m(torch.randn(16, 5, 5))


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown attention 'sqe'.*eca"): get_attn('sqe')


@pytest.mark.parametrize('name', NAMES)
@given(B=st.integers(1, 3), C=channels, H=sizes, W=sizes)
def test_capture_sees_every_map(name, B, C, H, W):
    "Each module reports at least one finite map that broadcasts against its input; nothing leaks outside the block."
    C = accepted(name, C)
    m, x = make(name, C), torch.randn(B, C, H, W)
    with torch.no_grad(), capture_attn(m) as cap: m(x)
    assert cap.maps and all(a.name == '' and a.module is m for a in cap.maps)
    for a in cap.maps:
        assert torch.broadcast_shapes(a.value.shape, x.shape) == x.shape and torch.isfinite(a.value).all()
    n = len(cap.maps)
    with torch.no_grad(): m(x)
    assert len(cap.maps) == n
