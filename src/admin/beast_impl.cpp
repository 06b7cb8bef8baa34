// Boost.Beast is compiled once, here (BOOST_BEAST_SEPARATE_COMPILATION is set on osteon_admin).
#include <boost/beast/src.hpp>
