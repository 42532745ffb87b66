"""The screen classifier: the shipped model matches the code that feeds it, and inference is plain numpy."""

import json

import numpy as np
import pytest

from media_check.screen_model import (CLASSES, FEATURES, MODEL_PATH, ScreenModel, has_image_features, load_model,
                                      text_layout)
from media_check.words import Word


def test_shipped_model_reads_the_features_the_code_computes():
    model = load_model()
    assert model is not None
    assert model.classes == CLASSES
    assert model.features == FEATURES
    assert model.coef.shape == (len(CLASSES), len(FEATURES))
    assert np.all(model.scale > 0)


def test_shipped_model_records_grouped_cross_validation():
    training = json.loads(MODEL_PATH.read_text())["training"]
    assert training["cv"].startswith("GroupKFold")
    assert set(training["cv_scores"]) == set(CLASSES)
    assert training["apps"] >= 50


def test_probabilities_are_a_distribution_and_missing_features_count_as_the_mean():
    model = load_model()
    at_mean = model.probabilities({})
    assert set(at_mean) == set(CLASSES)
    assert sum(at_mean.values()) == pytest.approx(1.0)
    explicit = model.probabilities({name: model.mean[i] for i, name in enumerate(model.features)})
    assert explicit == pytest.approx(at_mean)


def test_login_phrases_raise_the_login_probability():
    model = load_model()
    plain = model.probabilities({})
    login = model.probabilities({"login_strong": 3.0, "login_field": 2.0, "login_cta": 2.0})
    assert login["login"] > plain["login"]


def test_a_model_whose_shapes_disagree_is_refused():
    data = {"classes": ["a", "b"], "features": ["x"], "mean": [0], "scale": [1], "coef": [[1.0]], "intercept": [0, 0]}
    with pytest.raises(ValueError):
        ScreenModel.from_json(data)


def test_text_layout_of_no_words_is_zero():
    assert set(text_layout([], 100, 100).values()) == {0.0}


def test_text_layout_sees_a_centred_title():
    words = [Word("Acme", 95.0, (450, 500, 100, 60), 1, 0)]
    layout = text_layout(words, 1000, 1000)
    assert layout["text_centred"] == 1.0 and layout["max_text_height"] == pytest.approx(0.06)


def test_partial_features_do_not_feed_the_model():
    assert not has_image_features({"grey_std": 3.0})


def test_rows_of_a_list_share_a_left_edge_and_a_title_card_does_not():
    rows = [Word(f"Item{i}", 95.0, (40, 100 + 60 * i, 200, 20), 1, i) for i in range(6)]
    assert text_layout(rows, 1000, 1000)["aligned_lines"] == 1.0
    card = [Word(text, 95.0, (500 - 10 * len(text), 400 + 60 * i, 20 * len(text), 30), 1, i)
            for i, text in enumerate(["Acme", "Build", "better", "sites"])]
    assert text_layout(card, 1000, 1000)["aligned_lines"] == 0.0


def test_separators_of_a_list_are_long_lines_and_a_logo_card_has_none():
    from PIL import Image, ImageDraw

    from media_check.features import image_features

    listing = Image.new("RGB", (800, 1400), "white")
    draw = ImageDraw.Draw(listing)
    for y in range(150, 1400, 120):
        draw.line([(0, y), (800, y)], fill=(120, 120, 120), width=2)
    card = Image.new("RGB", (800, 1400), (30, 60, 200))
    ImageDraw.Draw(card).ellipse([300, 600, 500, 800], fill="white")
    assert image_features(np.asarray(listing), [])["h_lines"] >= 10
    assert image_features(np.asarray(card), [])["h_lines"] == 0 == image_features(np.asarray(card), [])["v_lines"]
