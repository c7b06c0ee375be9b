// The strip above the slider: snapshots (ticks, one row per layer), events (a bar per day
// scaled to the busiest day) and milestones (diamonds), drawn on a canvas on the slider's
// scale. Hovering the slider names the milestone or snapshot under the pointer.

import { isoDay } from "./days.js";
import { t } from "./strings.js";

const HEIGHT = 30;

/** Draw the strip; returns what ``stripItemAt`` needs to name what is under the pointer. */
export function drawStrip(canvas, { first, last, width, snapshots, events, milestones, colours }) {
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width));
  canvas.width = w * ratio;
  canvas.height = HEIGHT * ratio;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${HEIGHT}px`;
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.clearRect(0, 0, w, HEIGHT);
  const span = Math.max(1, last - first);
  const x = (day) => ((day - first) / span) * (w - 1) + 0.5;
  const items = [];
  // Events: one bar per day, height by count.
  if (events.length) {
    const counts = new Map();
    for (const day of events) counts.set(day, (counts.get(day) ?? 0) + 1);
    const most = Math.max(...counts.values());
    ctx.fillStyle = colours.events ?? "#d35400";
    for (const [day, count] of counts) {
      const h = 2 + Math.round((count / most) * 8);
      ctx.fillRect(Math.floor(x(day)), HEIGHT - h, 1, h);
    }
  }
  // Snapshots: ticks, a row per layer.
  const rows = Math.max(1, snapshots.length);
  snapshots.forEach((days, row) => {
    ctx.fillStyle = colours.snapshots ?? "#1f5fbf";
    const top = 11 + row * Math.floor(8 / rows);
    for (const day of days) ctx.fillRect(Math.floor(x(day)), top, 1, Math.max(3, Math.floor(8 / rows)));
    for (const day of days) items.push({ day, rank: 1, text: t("strip.snapshot", { date: isoDay(day) }) });
  });
  // Milestones: diamonds along the top.
  ctx.fillStyle = colours.milestones ?? "#6a1b9a";
  for (const m of milestones) {
    if (m.day < first || m.day > last) continue;
    const cx = x(m.day);
    ctx.beginPath();
    ctx.moveTo(cx, 1);
    ctx.lineTo(cx + 4, 5);
    ctx.lineTo(cx, 9);
    ctx.lineTo(cx - 4, 5);
    ctx.closePath();
    ctx.fill();
    items.push({ day: m.day, rank: 0, text: `${m.date}: ${m.title}${m.source ? ` (${m.source})` : ""}` });
  }
  return { first, span, items };
}

/** The milestone (else snapshot) nearest the pointer at ``offset`` px of ``width``, within 4 px. */
export function stripItemAt(model, offset, width) {
  if (!model || width <= 0) return null;
  const day = model.first + (offset / width) * model.span;
  const tolerance = (4 / width) * model.span;
  let best = null;
  for (const item of model.items) {
    const distance = Math.abs(item.day - day);
    if (distance > tolerance) continue;
    if (!best || item.rank < best.rank || (item.rank === best.rank && distance < best.distance)) {
      best = { ...item, distance };
    }
  }
  return best;
}
