package dev.drover.master.scheduler;

/**
 * The outcome of placing one pod: the chosen node, or the reason no node fits.
 *
 * @param nodeName the chosen node, or null when the pod fits nowhere
 * @param fitError why the pod fits nowhere, or null when a node was chosen
 * @param feasibleNodes how many feasible nodes were found before scoring
 */
public record ScheduleResult(String nodeName, FitError fitError, int feasibleNodes) {

  public boolean scheduled() {
    return nodeName != null;
  }
}
