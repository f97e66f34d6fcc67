package io.locus.target.config;

/** A configuration error that names the file, the field and why. */
public final class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }
}
