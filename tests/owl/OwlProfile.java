// The OWL 2 DL profile check of an ontology file, with the OWL API that owlready2's HermiT.jar holds
// (no download, no build step: Java's single-file launcher). Used by tests/test_owl.py:
//   java -cp .../owlready2/hermit/HermiT.jar tests/owl/OwlProfile.java ontology/pledgegraph.ttl
// Prints one line per violation and a last line "violations: N".
import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class OwlProfile {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        List<String> lines = new ArrayList<>();
        for (OWLProfileViolation v : report.getViolations()) {
            lines.add(v.getClass().getSimpleName() + "\t" + v.toString().replace('\n', ' '));
        }
        Collections.sort(lines);
        for (String line : lines) System.out.println(line);
        System.out.println("violations: " + lines.size());
    }
}
