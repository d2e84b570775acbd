// The marks that say whose a schedule is and why it is paused: memo keys, the managedBy value,
// and the note `cdc start` pauses a schedule with (which `cdc stop` and `apply` read back).

/** Memo keys: on the schedule (fixed at create; Temporal cannot update a schedule's memo)... */
export const SCHEDULE_MEMO = { managedBy: 'managedBy', taskQueuePrefix: 'taskQueuePrefix' } as const;
/** ...and on its action, which every update replaces, so these always describe the live schedule. */
export const ACTION_MEMO = { hash: 'tributaryHash', configPaused: 'tributaryPaused' } as const;
/** The schedule memo `managedBy` of every schedule Tributary makes. */
export const MANAGED_BY = 'tributary';

/** The note `cdc start` pauses a schedule with; `cdc stop` resumes only a schedule paused with it. */
export const CONTINUOUS_PAUSE_NOTE = 'paused by tributary cdc start: applied continuously by';

export function continuousPauseNote(workflowId: string): string {
  return `${CONTINUOUS_PAUSE_NOTE} ${workflowId}`;
}

export function isContinuousPauseNote(note: string | undefined): boolean {
  return note?.startsWith(CONTINUOUS_PAUSE_NOTE) ?? false;
}
