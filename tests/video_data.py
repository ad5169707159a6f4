"""Annotation files of the video and two-image benchmarks in their official layouts, for tests."""

import json


def dump(path, obj, lines=False):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(o) + "\n" for o in obj) if lines else json.dumps(obj)
    path.write_text(text, encoding="utf-8")
    return path


def nlvr2_line(identifier, sentence, label):
    return {"validation": {"61": label}, "sentence": sentence, "left_url": "https://example.org/a.jpg",
            "writer": "61", "label": label, "right_url": "https://example.org/b.jpg",
            "synset": "beer bottle", "query": "some beer bottles38", "identifier": identifier,
            "extra_validations": {"154": label, "139": label}}


def marvl_line(language, n, concept, left, right, caption, label):
    return {"concept": concept, "language": language, "caption": caption, "left_img": left,
            "right_img": right, "annotator_info": {"annotator_id": f"{language}_01", "age": 31,
                                                   "country_of_birth": "x", "country_of_residence": "x",
                                                   "gender": "male"},
            "chapter": "Basic actions and technology", "id": f"{language}-{n}", "label": label}
