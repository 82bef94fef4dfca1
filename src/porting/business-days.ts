// Porting moves on business days: Monday to Friday, UTC. (Carrier holidays are not modelled; the losing carriers
// of the simulator work every weekday.)

function isWeekend(at: Date): boolean {
  const day = at.getUTCDay();
  return day === 0 || day === 6;
}

/** `at` plus `days` business days, same time of day (from a Saturday or Sunday, one business day is the Monday). */
export function addBusinessDays(at: Date, days: number): Date {
  const out = new Date(at);
  let left = days;
  while (left > 0 || isWeekend(out)) {
    out.setUTCDate(out.getUTCDate() + 1);
    if (!isWeekend(out)) left--;
  }
  return out;
}
