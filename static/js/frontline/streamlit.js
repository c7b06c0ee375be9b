// The app's map component (Streamlit custom components v2, views/readermap.py): mounts a
// reader in the element Streamlit gives it, once, and passes later data on to it. The
// reader's pauses become a trigger value ("date"), its view a state value ("view"), and
// its first drawn map the state value "drawn" (the page then adds its panel).

import { createReader } from "./reader.js";

const readers = new WeakMap();

export default function mount(component) {
  const { data, parentElement, setTriggerValue, setStateValue } = component;
  let entry = readers.get(parentElement);
  if (!entry) {
    let root = parentElement.querySelector(".frontline-reader-root");
    if (!root) {
      root = document.createElement("div");
      root.className = "frontline-reader-root";
      parentElement.append(root);
    }
    entry = {
      reader: createReader(root, {
        ...data,
        onPause: (iso) => entry.callbacks.setTriggerValue("date", iso),
        onView: (view) => entry.callbacks.setStateValue("view", view),
        onDrawn: () => entry.callbacks.setStateValue("drawn", true),
      }),
      callbacks: { setTriggerValue, setStateValue },
    };
    readers.set(parentElement, entry);
  } else {
    entry.callbacks = { setTriggerValue, setStateValue };
    entry.reader.ready.then(() => entry.reader.setData(data));
  }
  return () => {
    entry.reader.destroy();
    readers.delete(parentElement);
  };
}
