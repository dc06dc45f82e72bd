// "More": on a narrow screen the less-used header buttons move into a menu
// behind one button, so that the header stays one compact block and leaves
// the screen to the board. Each such button says how narrow a screen sends
// it there (data-more="40rem"); on a wider one it is back in its place. The
// menu is a disclosure: a button with aria-expanded, Tab through its
// buttons, Escape or a tap elsewhere closes it.

export function moreMenu() {
  const button = document.getElementById("more");
  const menu = document.getElementById("more-menu");
  // Each button remembers its place by a marker left where it was.
  const items = [...document.querySelectorAll("[data-more]")].map((item) => {
    const home = document.createComment(item.id);
    item.before(home);
    return { item, home, query: window.matchMedia(`(max-width: ${item.dataset.more})`) };
  });

  const open = (show, { focus = false } = {}) => {
    menu.hidden = !show;
    button.setAttribute("aria-expanded", String(show));
    if (show && focus) menu.querySelector("button:not(:disabled)")?.focus();
  };
  const close = ({ focus = false } = {}) => {
    if (menu.hidden) return;
    const inside = menu.contains(document.activeElement);
    open(false);
    if (focus || inside) button.focus();
  };

  // In document order, so the menu lists them as the header would.
  const place = () => {
    close();
    for (const { item, home, query } of items) {
      if (!item.isConnected) continue; // a read-only page removed it
      if (query.matches) menu.append(item);
      else home.after(item);
    }
    button.hidden = menu.childElementCount === 0;
  };

  button.addEventListener("click", (event) => {
    // A keyboard press puts the focus in the menu; a tap leaves it.
    if (menu.hidden) open(true, { focus: event.detail === 0 });
    else close();
  });
  // The keyboard goes back to More, unless the button sent it somewhere
  // (Add action: the new card's first field).
  menu.addEventListener("click", (event) => {
    if (!(event.target instanceof Element && event.target.closest("button"))) return;
    close({ focus: document.activeElement === document.body });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) close({ focus: true });
  });
  document.addEventListener("pointerdown", (event) => {
    if (!menu.hidden && !menu.contains(event.target) && !button.contains(event.target)) close();
  });

  for (const { query } of items) query.addEventListener("change", place);
  place();
}
