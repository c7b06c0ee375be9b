"""The editor's layer choice under AppTest: no layer is chosen for the editor; a new layer
is created with its description, source, licence and attribution before any upload; a
layer's credit can be changed; hostile text stays text."""

from __future__ import annotations

import re

from layers.credits import Credit
from layers.store import Store
from tests.views.test_editor import app, polygon_file, sign_in  # noqa: F401  (fixture)


def test_no_layer_is_chosen_for_the_editor_and_an_upload_waits_for_one(app, db_url):  # noqa: F811
    at = sign_in(app)
    box = at.selectbox(key="edit_layer")
    assert box.value is None, "the layer box starts empty: nothing is chosen silently"
    at.get("file_uploader")[0].set_value(("kursk-2024-11-30.geojson", polygon_file(), "application/geo+json"))
    at.run()
    assert not at.exception
    assert any("Choose the layer this file goes into" in i.value for i in at.info)
    assert not any("Valid:" in s.value for s in at.success), "nothing is checked before a layer is chosen"
    assert "commit" not in [b.key for b in at.button]


def test_a_new_layer_needs_a_source_and_a_licence_then_is_created_and_chosen(app, db_url):  # noqa: F811
    at = sign_in(app)
    at.selectbox(key="edit_layer").select("New layer…").run()
    at.text_input(key="new_layer_name").input("Occupied Ukraine (DeepStateMap)")
    at.button(key="new_layer_create").click().run()
    assert any("Give the source" in e.value and "Give the licence" in e.value for e in at.error)
    assert "Occupied Ukraine (DeepStateMap)" not in {info.name for info in Store(db_url).layers()}

    at.text_area(key="new_layer_description").input("DeepStateMap's raw map, uploaded by hand")
    at.text_input(key="new_layer:source").input("DeepStateMap")
    at.selectbox(key="new_layer:licence").select("CC BY-NC-SA 4.0")
    at.text_input(key="new_layer:attribution").input("© DeepStateMap <img src=x onerror=alert(1)>")
    at.button(key="new_layer_create").click().run()
    assert not at.exception
    [info] = [info for info in Store(db_url).layers() if info.name == "Occupied Ukraine (DeepStateMap)"]
    assert info.kind == "territory" and info.n_snapshots == 0
    assert info.description == "DeepStateMap's raw map, uploaded by hand"
    assert info.credit == Credit(
        "DeepStateMap", "CC BY-NC-SA 4.0", "© DeepStateMap <img src=x onerror=alert(1)>"
    )
    assert at.selectbox(key="edit_layer").value == "Occupied Ukraine (DeepStateMap)", (
        "the new layer is chosen"
    )
    caption = next(c.value for c in at.caption if "Credit:" in c.value)
    assert "non-commercial use only" in caption.replace("\\", "")
    assert re.search(r"(?<!\\)<img", caption) is None, "the attribution is escaped, not markup"


def test_a_taken_name_is_refused(app, db_url):  # noqa: F811
    at = sign_in(app)
    at.selectbox(key="edit_layer").select("New layer…").run()
    at.text_input(key="new_layer_name").input("Kursk incursion")
    at.text_input(key="new_layer:source").input("me")
    at.selectbox(key="new_layer:licence").select("CC BY 4.0")
    at.button(key="new_layer_create").click().run()
    assert any("exists already" in e.value for e in at.error)


def test_the_chosen_layers_credit_is_shown_and_can_be_changed(app, db_url):  # noqa: F811
    at = sign_in(app)
    at.selectbox(key="edit_layer").select("Kursk incursion").run()
    caption = next(c.value for c in at.caption if "Credit:" in c.value)
    assert "CC BY 4.0" in caption.replace("\\", ""), "the embedded layer's credit comes from the manifest"
    at.selectbox(key="credit:Kursk incursion:licence").select("Other (type it below)").run()
    at.text_input(key="credit:Kursk incursion:licence_text").input("Non-commercial use only, by permission")
    at.button(key="credit:Kursk incursion:save").click().run()
    assert not at.exception
    credit = Store(db_url).credit("Kursk incursion")
    assert credit is not None and credit.licence == "Non-commercial use only, by permission"
    assert credit.non_commercial
