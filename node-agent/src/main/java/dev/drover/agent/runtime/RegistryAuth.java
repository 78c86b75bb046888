package dev.drover.agent.runtime;

/**
 * Credentials for one registry, as found in a pod's image pull Secret.
 *
 * @param server registry host (and port), e.g. {@code 127.0.0.1:5001}
 * @param username user name
 * @param password password
 */
public record RegistryAuth(String server, String username, String password) {
  @Override
  public String toString() {
    // Never log the password.
    return "RegistryAuth[" + server + ", " + username + "]";
  }
}
