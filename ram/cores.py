"""The recurrent cores a RAM can use, by the name the config's `core` gives.

Each entry builds a Keras RNN cell of `units` units named "core"; the cell gives its own initial state
(`get_initial_state`), so the model needs nothing else to use it. Adding a core is adding an entry here
(and its multiply-add count to tests/test_flops.py). Importing this module imports no Keras.
"""


def lstm(units):
    """An LSTM cell: state (h, c)."""
    import keras
    return keras.layers.LSTMCell(units, name="core")


def rnn(units):
    """The paper's core: h_t = ReLU(W h_{t-1} + W g_t + b)."""
    import keras
    return keras.layers.SimpleRNNCell(units, activation="relu", name="core")


def gru(units):
    """A GRU cell (Keras's, reset gate after the recurrent matrix): state h."""
    import keras
    return keras.layers.GRUCell(units, name="core")


CORES = {"lstm": lstm, "rnn": rnn, "gru": gru}
