"""check_batch_size: ints in [1, n_train] and "full"; anything else names the field."""

import numpy as np
import pytest

from batchlab.data import check_batch_size, load_dataset
from batchlab.errors import SpecError


@pytest.mark.parametrize(
    "value, expected", [(1, 1), (32, 32), (500, 500), ("full", 500), (np.int64(64), 64)]
)
def test_valid_batch_sizes(value, expected):
    size = check_batch_size(load_dataset("blobs"), value)
    assert size == expected and type(size) is int


@pytest.mark.parametrize("value", [0, -1, 501, True, 32.0, 0.5, "half", "", None])
def test_invalid_batch_sizes_name_field_value_and_range(value):
    with pytest.raises(SpecError) as info:
        check_batch_size(load_dataset("blobs"), value)
    message = str(info.value)
    assert message.startswith("batch_size: ")
    assert repr(value) in message or str(value) in message
    assert "from 1 to 500" in message and "'full'" in message
