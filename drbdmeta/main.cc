// drbdmeta entry point.
#include "drbdmeta/drbdmeta.h"

#include <iostream>

int main(int argc, char** argv) {
    return nbr::drbdmeta::Run(std::vector<std::string>(argv + 1, argv + argc), std::cout,
                              std::cerr);
}
