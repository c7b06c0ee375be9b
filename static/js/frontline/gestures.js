// Cooperative gestures, so that a map embedded in a page never traps the page's scroll (as
// Google Maps' and Mapbox's do): with a mouse, the wheel scrolls the page and ctrl (⌘) +
// wheel zooms the map; on touch, one finger scrolls the page and two fingers move and zoom
// the map. The wrong gesture shows a short hint over the map. Dragging with a mouse, the
// keyboard and the zoom buttons work as ever.
//
// Written here rather than vendored: leaflet-gesture-handling 1.2.2 (MIT, last released in
// 2021) is a UMD script that cannot be imported as an ES module (it writes to `this`), picks
// its hint from the browser's language rather than ours, and draws it as CSS-generated
// content; its maintained fork is GPL-3.0. docs/reader.md, "Embed options".
//
// How: a capture listener on the map's container sees each wheel, touch and pointer event before
// Leaflet's own listeners on that container, and keeps from Leaflet the ones that belong
// to the page; CSS (reader.css, .frontline-cooperative) lets the browser pan the page with
// one finger; touch events with two fingers are cancelled so that the browser leaves them
// to Leaflet's pinch, which moves the map as well as zooming it.

const SHOWN_MS = 1500;

/** Whether ⌘ is the key to name (Apple's systems). */
export function usesCommandKey(platform = globalThis.navigator?.userAgentData?.platform ?? globalThis.navigator?.platform ?? "") {
  return /mac|iphone|ipad/i.test(platform);
}

/**
 * Make ``map`` (a Leaflet map) cooperative; ``hints.wheel`` and ``hints.touch`` are the texts
 * shown for the wrong gesture. Returns ``{hint, destroy()}``.
 */
export function cooperate(map, hints) {
  const box = map.getContainer();
  box.classList.add("frontline-cooperative");
  const hint = document.createElement("div");
  hint.className = "frontline-gesture-hint";
  hint.setAttribute("aria-hidden", "true");
  box.append(hint);
  let timer = null;
  const hide = () => {
    clearTimeout(timer);
    hint.classList.remove("shown");
  };
  const show = (text) => {
    hint.textContent = text;
    hint.classList.add("shown");
    clearTimeout(timer);
    timer = setTimeout(hide, SHOWN_MS);
  };
  const onControl = (event) => event.target instanceof Element && event.target.closest(".leaflet-control");
  const touches = new Set();

  const onWheel = (event) => {
    if (onControl(event)) return;
    if (event.ctrlKey || event.metaKey) {
      hide();
      return;
    }
    event.stopPropagation(); // Leaflet never sees it, nothing cancels it: the page scrolls
    show(hints.wheel);
  };
  const onPointerDown = (event) => {
    if (event.pointerType !== "touch" || onControl(event)) return;
    touches.add(event.pointerId);
    if (touches.size < 2) event.stopPropagation(); // one finger: no drag, the page pans
    else hide();
  };
  const onPointerEnd = (event) => touches.delete(event.pointerId);
  const onTouch = (event) => {
    if (onControl(event)) return;
    if (event.touches.length >= 2) {
      if (event.cancelable) event.preventDefault(); // the browser leaves it to Leaflet's pinch
      hide();
      return;
    }
    // One finger: Leaflet (which listens to touch events where the browser has them, else
    // to pointer events) never sees it, so it neither drags nor cancels the page's pan.
    event.stopPropagation();
    if (event.type === "touchmove") show(hints.touch);
  };

  box.addEventListener("wheel", onWheel, { capture: true, passive: true });
  box.addEventListener("pointerdown", onPointerDown, true);
  box.addEventListener("touchstart", onTouch, { capture: true, passive: false });
  box.addEventListener("touchmove", onTouch, { capture: true, passive: false });
  window.addEventListener("pointerup", onPointerEnd, true);
  window.addEventListener("pointercancel", onPointerEnd, true);
  return {
    hint,
    destroy() {
      hide();
      box.removeEventListener("wheel", onWheel, { capture: true });
      box.removeEventListener("pointerdown", onPointerDown, true);
      box.removeEventListener("touchstart", onTouch, { capture: true });
      box.removeEventListener("touchmove", onTouch, { capture: true });
      window.removeEventListener("pointerup", onPointerEnd, true);
      window.removeEventListener("pointercancel", onPointerEnd, true);
      box.classList.remove("frontline-cooperative");
      hint.remove();
    },
  };
}
