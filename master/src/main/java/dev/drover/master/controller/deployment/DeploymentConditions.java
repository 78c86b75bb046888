package dev.drover.master.controller.deployment;

import com.google.protobuf.Timestamp;
import dev.drover.api.v1.Condition;
import dev.drover.api.v1.ConditionStatus;
import dev.drover.api.v1.DeploymentStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads and sets the conditions of a deployment's status. A condition's transition time changes
 * only with its status; its heartbeat, which the Progressing condition uses as the time of the last
 * progress, changes with its state or when the caller asks to refresh it.
 */
final class DeploymentConditions {
  private DeploymentConditions() {}

  /** The condition of the type, if the status has one. */
  static Optional<Condition> find(DeploymentStatus status, String type) {
    return status.getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst();
  }

  /** Sets (adds or replaces) the condition of the type, stamping times with {@code now}. */
  static void set(
      DeploymentStatus.Builder status,
      Timestamp now,
      String type,
      ConditionStatus value,
      String reason,
      String message,
      boolean refresh) {
    List<Condition> conditions = new ArrayList<>(status.getConditionsList());
    int index = -1;
    for (int i = 0; i < conditions.size(); i++) {
      if (conditions.get(i).getType().equals(type)) {
        index = i;
      }
    }
    Condition.Builder c =
        Condition.newBuilder().setType(type).setStatus(value).setReason(reason).setMessage(message);
    if (index >= 0) {
      Condition old = conditions.get(index);
      boolean sameState = old.getStatus() == value && old.getReason().equals(reason);
      c.setLastTransitionTime(
          old.getStatus() == value && old.hasLastTransitionTime()
              ? old.getLastTransitionTime()
              : now);
      c.setLastHeartbeatTime(
          refresh || !sameState || !old.hasLastHeartbeatTime() ? now : old.getLastHeartbeatTime());
      conditions.set(index, c.build());
    } else {
      c.setLastTransitionTime(now).setLastHeartbeatTime(now);
      conditions.add(c.build());
    }
    status.clearConditions().addAllConditions(conditions);
  }

  /** Removes the condition of the type, if present. */
  static void remove(DeploymentStatus.Builder status, String type) {
    List<Condition> kept =
        status.getConditionsList().stream().filter(c -> !c.getType().equals(type)).toList();
    status.clearConditions().addAllConditions(kept);
  }
}
