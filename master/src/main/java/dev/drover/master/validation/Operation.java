package dev.drover.master.validation;

/** The write being validated; it decides which rules apply. */
public enum Operation {
  /** A new object: every rule on metadata and spec. */
  CREATE,
  /** A change of metadata and spec: every rule, plus what may not change from the old object. */
  UPDATE,
  /** A change of status only: the status rules (and that identity did not change). */
  UPDATE_STATUS
}
