"""Recurrent Attention Model (Mnih, Heess, Graves 2014) in Keras 3."""
from .config import DEFAULTS, Config, ConfigError, make_config
from .data import DataError, MnistData, load_mnist
from .glimpse import GlimpseNetwork, GlimpseSensor
from .losses import gaussian_log_prob, hybrid_loss
from .model import LocationPolicy, RecurrentAttentionModel
from .saving import ModelFileError, load_model, save_model
