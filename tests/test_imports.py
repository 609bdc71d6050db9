"""`import ram`: light, the same in every process (no argv checks); Keras loads our files after `import ram.model`."""
import os
import subprocess
import sys

import pytest
from helpers import ROOT

MODEL = os.path.join(ROOT, "MNIST_Results", "run_0", "model.h5")


def _python(code, *argv):
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.mark.slow
def test_plain_keras_loads_a_model_after_import_ram_model_whatever_the_argv():
    code = ("import ram.model, keras; m = keras.models.load_model(%r, compile=False); print(type(m).__name__)" % MODEL)
    for argv in ((), ("-h",), ("--help", "x")):
        out = _python(code, *argv)
        assert out.stdout.strip() == "RecurrentAttentionModel", (argv, out.stderr[-2000:])


@pytest.mark.parametrize("imports", ["keras, ram.model", "ram.model, tensorflow, keras",
                                     "ram, ram.data, ram.model, keras"])
def test_the_classes_register_whatever_the_import_order(imports):
    out = _python(f"import {imports}; print(keras.saving.get_custom_objects()['RecurrentAttentionModel'].__name__)")
    assert out.stdout.strip() == "RecurrentAttentionModel", out.stderr[-2000:]


def test_import_ram_loads_no_tensorflow_and_hooks_no_import():
    """`import ram` only sets TensorFlow's C++ log level (unless set): no TensorFlow, no Keras, no import
    hook of ours."""
    out = _python("import os, sys, ram\n"
                  "print('tensorflow' in sys.modules, 'keras' in sys.modules, 'TF_CPP_MIN_LOG_LEVEL' in os.environ,\n"
                  "      [type(f).__module__ for f in sys.meta_path if type(f).__module__.startswith('ram')])")
    assert out.stdout.strip() == "False False True []", out.stderr[-2000:]


def test_config_scripts_help_loads_no_tensorflow():
    out = _python("import sys, run_mnist\ntry:\n    run_mnist.main(['--help'])\nexcept SystemExit:\n    pass\n"
                  "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    assert out.stdout.strip().endswith("False False") and "--glimpses" in out.stdout, out.stderr[-2000:]


def test_config_rules_of_every_data_set_load_no_tensorflow():
    """Checking a config (cross-field rules, each data set's own) and evaluate.py's guess at a model's
    data fields import the data sets' modules, but no TensorFlow: bad fields are listed at once."""
    code = ("import sys, ram\n"
            "from ram import datasets\n"
            "try:\n"
            "    ram.make_config({'random_glimpses': True, 'first_location': 'center'})\n"
            "except ram.ConfigError as error:\n"
            "    assert 'random_glimpses:' in str(error), error\n"
            "sizes = {'mnist': 28, 'translated_mnist': 60, 'cluttered_mnist': 60, 'images': None}\n"
            "for name in datasets.NAMES:\n"
            "    config = ram.make_config({'dataset': name, 'image_size': sizes[name], 'data_path': 'x'})\n"
            "    datasets.get(name).trained_fields(dict(config), config)\n"
            "print(sorted(datasets.NAMES), 'tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = _python(code)
    assert out.stdout.strip() == "['cluttered_mnist', 'images', 'mnist', 'translated_mnist'] False False", out.stderr[-2000:]
