package tripwire;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;

/**
 * Outside the runner's packages on purpose: a Java-serialized object whose {@code readObject} leaves a trace (the
 * system property {@link #PROPERTY}), standing in for a gadget a crafted results folder could carry.
 */
public final class Deserialized implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String PROPERTY = "tripwire.deserialized";

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        System.setProperty(PROPERTY, "true");
    }
}
