// Copy and print buttons: the server draws them hidden (a page without
// JavaScript can neither copy nor print from a button), this shows them.
// A copy button copies its `data-copy` text and says `data-copied` in the
// status beside it.
(() => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const status = button.nextElementSibling;
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        if (status) status.textContent = button.dataset.copied;
      } catch {
        // No clipboard (an insecure origin, a refusal): select the text to copy by hand.
        const shown = button.closest("section")?.querySelector("code.manual-key, ol.recovery-codes");
        if (shown) window.getSelection().selectAllChildren(shown);
      }
    });
  }
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
})();
