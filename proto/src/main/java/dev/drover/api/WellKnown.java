package dev.drover.api;

import dev.drover.api.v1.ObjectMeta;

/** Annotation and label names the master writes and controllers, the CLI and agents read. */
public final class WellKnown {
  private WellKnown() {}

  /**
   * On a ReplicaSet: the revision number of its Deployment's template it carries. Kubernetes' name,
   * so that tools that read it there find it here too; the deployment controller writes it and the
   * API's rollback and history read it.
   */
  public static final String REVISION = "deployment.kubernetes.io/revision";

  /** Pod-template label holding the template hash; removed from a template restored by rollback. */
  public static final String POD_TEMPLATE_HASH = "pod-template-hash";

  /** On a Deployment's pod template: set by a restart, so the template changes and rolls. */
  public static final String RESTARTED_AT = "drover.dev/restartedAt";

  /** On a Deployment: the canary step the user promoted past (written by RolloutAction PROMOTE). */
  public static final String CANARY_PROMOTED_STEP = "drover.dev/canary-promoted-step";

  /** On a Deployment: the revision a rollback restored. */
  public static final String ROLLED_BACK_TO = "drover.dev/rolled-back-to";

  /** On objects written by Apply: the tool that applied them. */
  public static final String FIELD_MANAGER = "drover.dev/field-manager";

  /** NoExecute node taint of a node whose agent reports Ready=False. */
  public static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";

  /** NoExecute node taint of a node whose heartbeats stopped. */
  public static final String UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";

  /**
   * The revision a ReplicaSet carries in {@link #REVISION}; 0 when unset or not a number (a
   * hand-made ReplicaSet is older than every revision a Deployment wrote).
   */
  public static long revision(ObjectMeta meta) {
    try {
      return Long.parseLong(meta.getAnnotationsOrDefault(REVISION, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
