/// The console's one script. Every page works without it; it adds copy buttons, a confirmation
/// before destructive forms, fields shown for the chosen kind, the editor's line numbers and the
/// refresh of pages that show work in progress.
enum ConsoleScript {
    static let text = #"""
    "use strict";
    (function () {
      // Copy buttons: data-copy names the element whose text is copied.
      document.querySelectorAll("button[data-copy]").forEach(function (button) {
        button.hidden = false;
        button.addEventListener("click", function () {
          var source = document.getElementById(button.dataset.copy);
          if (!source) return;
          var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy"; }, 2000); };
          if (navigator.clipboard && window.isSecureContext) {
            navigator.clipboard.writeText(source.textContent).then(done, function () { select(source); });
          } else { select(source); document.execCommand("copy"); done(); }
        });
      });
      function select(element) {
        var range = document.createRange(); range.selectNodeContents(element);
        var selection = window.getSelection(); selection.removeAllRanges(); selection.addRange(range);
      }

      // Forms asking for confirmation: data-confirm is the question.
      document.querySelectorAll("form[data-confirm]").forEach(function (form) {
        form.addEventListener("submit", function (event) {
          if (!window.confirm(form.dataset.confirm)) event.preventDefault();
        });
      });

      // A select with data-shows: only the fieldsets whose data-when holds its value stay shown
      // (and submitted).
      document.querySelectorAll("select[data-shows]").forEach(function (select) {
        var groups = document.querySelectorAll("[data-when-" + select.dataset.shows + "]");
        var apply = function () {
          groups.forEach(function (group) {
            var on = group.getAttribute("data-when-" + select.dataset.shows).split(" ").indexOf(select.value) >= 0;
            group.hidden = !on;
            group.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !on; });
          });
        };
        select.addEventListener("change", apply);
        apply();
      });

      // Selects that act at once (a tenant switcher); their button stays for use without script.
      document.querySelectorAll("select[data-submit]").forEach(function (select) {
        select.addEventListener("change", function () { select.form.requestSubmit(); });
      });

      // Editors: line numbers beside a textarea, the line of an error marked.
      document.querySelectorAll(".editor").forEach(function (editor) {
        var area = editor.querySelector("textarea"), gutter = editor.querySelector(".lines");
        var bad = parseInt(editor.dataset.errorLine || "0", 10);
        var draw = function () {
          var count = area.value.split("\n").length, text = [];
          for (var i = 1; i <= count; i++) text.push(i === bad ? "<span class=\"bad\">" + i + "</span>" : String(i));
          gutter.innerHTML = text.join("\n");
          gutter.style.height = area.clientHeight + "px";
          gutter.scrollTop = area.scrollTop;
        };
        area.addEventListener("input", function () { bad = 0; draw(); });
        area.addEventListener("scroll", function () { gutter.scrollTop = area.scrollTop; });
        area.addEventListener("keydown", function (event) {
          if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey && area.dataset.tabs !== "off") {
            event.preventDefault();
            area.setRangeText("  ", area.selectionStart, area.selectionEnd, "end");
            draw();
          } else if (event.key === "Escape") { area.dataset.tabs = "off"; }
        });
        draw();
        if (bad > 0) {
          var lines = area.value.split("\n"), offset = 0;
          for (var i = 0; i < bad - 1 && i < lines.length; i++) offset += lines[i].length + 1;
          area.focus(); area.setSelectionRange(offset, offset + (lines[bad - 1] || "").length);
        }
      });

      // Pages of work in progress reload themselves while no field is being edited.
      var refresh = document.querySelector("[data-refresh-seconds]");
      if (refresh) {
        setTimeout(function tick() {
          var active = document.activeElement;
          if (active && /INPUT|TEXTAREA|SELECT/.test(active.tagName)) { setTimeout(tick, 2000); return; }
          window.location.reload();
        }, 1000 * parseInt(refresh.dataset.refreshSeconds, 10));
      }
    })();
    """#
}
