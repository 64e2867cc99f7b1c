"""The learned layer reads matters as scikit-learn would, without importing it when routing."""
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from routing import engine, learning
from tests.routing.test_engine import DATA

TEXTS = ["Coal mine safety inspection", "煤矿 安全  检查", "a\tb  c\n d", "x", "ＡＢＣ full-width", "Œuvre ÉTÉ",
         "the bank turned down our small shop for a loan", "旅游投诉：景区门票太贵了！", "   ", "a  b", "I"]


@pytest.mark.parametrize("ngrams", [(1, 2), (1, 3), (2, 4)])
def test_the_plain_vectorizer_is_scikit_learns(ngrams):
    fitted = TfidfVectorizer(analyzer="char_wb", ngram_range=ngrams, sublinear_tf=True, dtype=np.float32)
    expected = fitted.fit_transform([learning.normalize_text(text) for text in TEXTS]).toarray()
    plain = learning.CharNgrams.fitted(fitted)
    analyzer = fitted.build_analyzer()
    for row, text in enumerate(TEXTS):
        normal = learning.normalize_text(text)
        assert plain.analyze(normal) == analyzer(normal)
        assert np.allclose(learning.vectorize(plain, normal).toarray()[0], expected[row], atol=1e-6)


def test_routing_with_a_trained_model_does_not_import_scikit_learn(tmp_path):
    starter = [("a tour group was cheated by the guide", "tourism"), ("gas explosion in a coal mine", "coal-safety"),
               ("best noodles in town", None), ("what a lovely day", None)]
    records = [{"office": "east", "text": f"lantern permit number {n}", "unit": "vehicle-section"} for n in range(30)]
    model = learning.remember(learning.train(records, starter, {}), records[:2])
    index = engine.build_index(DATA)
    path = tmp_path / "model.pickle"
    path.write_bytes(pickle.dumps((index, model)))
    script = (
        "import pickle, sys\n"
        "from routing import learning\n"
        f"index, model = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        "new = {'office': 'east', 'text': 'a lantern permit', 'unit': 'vehicle-section'}\n"
        "model = learning.remember(model, [new])\n"
        "assert learning.route(index, model, 'a lantern permit').results[0].unit == 'vehicle-section'\n"
        "print('sklearn' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[2]
    output = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True)
    assert output.stdout.strip() == "False"
