// "Tidy": lay out clusters and loose notes in rows, without overlaps.
// Pure: it returns positions and the caller writes them in one transaction.

/**
 * @param {{id: string, cluster: string}[]} notes in reading order
 * @param {string[]} clusterIds in display order
 * @param {{width: number, noteW: number, noteH: number, pad: number, titleH: number}} size
 * @returns {Map<string, {x: number, y: number}>}
 */
export function tidyLayout(notes, clusterIds, size) {
  const { width, noteW, noteH, pad, titleH } = size;
  const columns = Math.max(1, Math.floor((width - 3 * pad) / (noteW + pad)));
  const positions = new Map();
  let top = pad;
  const place = (group, left, startY) => {
    group.forEach((note, index) => {
      positions.set(note.id, {
        x: left + (index % columns) * (noteW + pad),
        y: startY + Math.floor(index / columns) * (noteH + pad),
      });
    });
    return Math.ceil(group.length / columns) * (noteH + pad);
  };
  for (const cid of clusterIds) {
    const group = notes.filter((note) => note.cluster === cid);
    if (!group.length) continue;
    // The frame is drawn pad around the notes, with the title above them.
    const height = place(group, 2 * pad, top + titleH + pad);
    top += titleH + height + 3 * pad;
  }
  const known = new Set(clusterIds);
  place(notes.filter((note) => !known.has(note.cluster)), pad, top);
  return positions;
}
