// Automations editor (issue 22): show the fields a trigger uses; a lead trigger cannot send to the
// contractor (AUT-5: the server refuses it too).
(function () {
  const trigger = document.getElementById("rule-trigger");
  const recipient = document.getElementById("rule-recipient");
  if (!trigger) return;
  const jobTriggers = ["job_created", "job_status_changed", "job_rebooked", "contractor_assigned", "before_job_appointment", "after_job_end"];
  function sync() {
    document.querySelectorAll("[data-show-for]").forEach(function (el) {
      el.hidden = el.dataset.showFor.split(" ").indexOf(trigger.value) < 0;
    });
    const contractor = recipient.querySelector('option[value="contractor"]');
    const isJob = jobTriggers.indexOf(trigger.value) >= 0;
    contractor.disabled = !isJob;
    if (!isJob && recipient.value === "contractor") recipient.value = "client";
  }
  trigger.addEventListener("change", sync);
  sync();
})();
