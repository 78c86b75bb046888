package dev.drover.agent.sync;

import dev.drover.api.v1.Event;
import dev.drover.api.v1.GetPodDependenciesResponse;
import dev.drover.api.v1.PodStatusUpdate;
import dev.drover.api.v1.PodStatusUpdateResult;
import java.util.Collection;
import java.util.List;

/**
 * The calls the sync loop makes to the masters. The node session implements it over {@code
 * NodeService} (with deadlines and fail-over); tests may implement it directly. Every method may
 * throw a runtime exception when no master answers; callers retry.
 */
public interface MasterClient {

  /** Writes a batch of pod statuses; one result per update, in order. */
  List<PodStatusUpdateResult> updatePodStatuses(List<PodStatusUpdate> updates);

  /** Records events. */
  void recordEvents(List<Event> events);

  /** Confirms the containers of a deleted pod are gone; true if the pod object was removed. */
  boolean confirmPodTermination(String namespace, String name, String uid);

  /** Fetches Secrets and ConfigMaps of one namespace. */
  GetPodDependenciesResponse podDependencies(
      String namespace, Collection<String> secretNames, Collection<String> configMapNames);

  /**
   * Fetches Secrets, ConfigMaps and PersistentVolumeClaims (with their bound volumes) of one
   * namespace. A client that cannot fetch claims answers without them: every claim is missing.
   */
  default GetPodDependenciesResponse podDependencies(
      String namespace,
      Collection<String> secretNames,
      Collection<String> configMapNames,
      Collection<String> claimNames) {
    GetPodDependenciesResponse.Builder response =
        podDependencies(namespace, secretNames, configMapNames).toBuilder();
    claimNames.forEach(c -> response.addMissing("persistentvolumeclaim/" + c));
    return response.build();
  }
}
